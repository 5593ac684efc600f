// Latencies seen in one time slot, in bounded memory: count, sum, max and
// histogram are exact; percentiles come from a uniform sample of the values,
// so a burst of thousands of jobs a second costs no more than SAMPLE_CAP numbers.
import { distribution } from '../../common/percentiles.ts';
import type { Distribution, HistogramBucket } from '../stats-api-types.ts';
import { bucketIndex, cumulativeHistogram, emptyBucketCounts } from './latency-histogram.ts';

const SAMPLE_CAP = 1000;

export type Random = () => number;

export class LatencyRecord {
  count = 0;
  sum = 0;
  max = 0;
  readonly bucketCounts = emptyBucketCounts();
  readonly samples: number[] = [];

  constructor(
    private readonly sampleCap = SAMPLE_CAP,
    private readonly random: Random = Math.random,
  ) {}

  add(ms: number): void {
    this.count += 1;
    this.sum += ms;
    this.max = Math.max(this.max, ms);
    this.bucketCounts[bucketIndex(ms)]! += 1;
    // Reservoir sampling (Algorithm R): every value seen so far stays in the sample with equal chance.
    if (this.samples.length < this.sampleCap) this.samples.push(ms);
    else {
      const slot = Math.floor(this.random() * this.count);
      if (slot < this.sampleCap) this.samples[slot] = ms;
    }
  }
}

export interface LatencySummary {
  distribution: Distribution;
  histogram: HistogramBucket[];
}

/** JSON has no NaN: an empty window reports zeros, and its count of 0 says why. */
const EMPTY: Distribution = { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };

/**
 * Several slots' records as one. Percentiles are exact while every slot kept all
 * its values; once one overflowed, each slot contributes at that slot's sampling
 * rate, so a busy slot weighs as much as its share of the jobs.
 */
export function summarize(records: readonly LatencyRecord[], random: Random = Math.random): LatencySummary {
  const seen = records.filter((record) => record.count > 0);
  const bucketCounts = emptyBucketCounts();
  for (const record of seen) record.bucketCounts.forEach((count, i) => (bucketCounts[i]! += count));
  const histogram = cumulativeHistogram(bucketCounts);
  if (seen.length === 0) return { distribution: EMPTY, histogram };

  const rate = Math.min(...seen.map((record) => record.samples.length / record.count));
  const sample = seen.flatMap((record) => pick(record.samples, Math.round(record.count * rate), random));
  const { p50, p90, p99 } = distribution(sample);
  const count = seen.reduce((total, record) => total + record.count, 0);
  const sum = seen.reduce((total, record) => total + record.sum, 0);
  const max = Math.max(...seen.map((record) => record.max));
  return { distribution: { count, mean: sum / count, p50, p90, p99, max }, histogram };
}

/** `size` values chosen uniformly at random (a partial Fisher–Yates shuffle of a copy). */
function pick(values: readonly number[], size: number, random: Random): readonly number[] {
  if (size >= values.length) return values;
  const pool = [...values];
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, size);
}
