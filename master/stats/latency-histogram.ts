// Fixed latency bucket bounds, shared by /api/stats (ms) and /metrics (s) so the two always agree.
import type { HistogramBucket } from '../stats-api-types.ts';

/** Upper bounds in ms; a last, unbounded bucket (+Inf) follows. */
export const LATENCY_BOUNDS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

/** Counts per bucket, not cumulative: one more slot than bounds, for +Inf. */
export const emptyBucketCounts = (): number[] => new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);

/** The bucket a value falls in: the first whose bound is ≥ it (Prometheus `le` semantics). */
export function bucketIndex(ms: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? LATENCY_BOUNDS_MS.length : index;
}

/** Per-bucket counts as a cumulative histogram; the +Inf bucket (le null) holds the total. */
export function cumulativeHistogram(counts: readonly number[]): HistogramBucket[] {
  let running = 0;
  return counts.map((count, i) => {
    running += count;
    return { le: LATENCY_BOUNDS_MS[i] ?? null, count: running };
  });
}
