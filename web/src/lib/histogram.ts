import type { HistogramBucket } from '../../../master/stats-api-types.ts';
import { formatMs } from './format.ts';

export interface HistogramBar {
  /** "≤ 50 ms", or "> 10 s" for the open-ended last bucket. */
  label: string;
  /** The bound alone, short enough for an axis: "50", "2.5k", ">10k" (all in ms). */
  tick: string;
  count: number;
}

/** The master's cumulative (Prometheus-style) buckets as one bar per bucket. */
export function histogramBars(buckets: readonly HistogramBucket[]): HistogramBar[] {
  let below = 0;
  return buckets.map((bucket, i) => {
    const count = Math.max(0, bucket.count - below);
    below = Math.max(below, bucket.count);
    const previous = buckets[i - 1]?.le;
    const label = bucket.le === null ? `> ${formatMs(previous ?? 0)}` : `≤ ${formatMs(bucket.le)}`;
    const tick = bucket.le === null ? `>${shortMs(previous ?? 0)}` : shortMs(bucket.le);
    return { label, tick, count };
  });
}

const shortMs = (ms: number) => (ms >= 1000 ? `${ms / 1000}k` : String(ms));
