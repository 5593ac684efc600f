// The summary as CSV, one row per loss rate and repeat: summary.csv (outcomes, rates,
// accuracy) and latency.csv (percentiles per stage). Unknown values (no data)
// are empty cells, never zeros. Every rate and time column names its unit
// (_per_s, _s, _ms): loss and accuracy columns are fractions.
import { stringify } from 'csv-stringify/sync';
import { STAGES } from './latency.ts';
import { BUCKETS } from './outcomes.ts';
import type { LossSummary } from './summary.ts';
import type { Proportion } from './wilson.ts';

type Cell = number | null;

const round = (value: number | null | undefined, digits: number): Cell =>
  value === null || value === undefined || !Number.isFinite(value) ? null : Number(value.toFixed(digits));

const proportionCells = (name: string, p: Proportion): Record<string, Cell> => ({
  [name]: round(p.value, 4),
  [`${name}_low`]: round(p.low, 4),
  [`${name}_high`]: round(p.high, 4),
});

export function summaryRows(summaries: readonly LossSummary[]): Record<string, Cell>[] {
  return summaries.map((s) => ({
    loss: s.loss,
    repeat: s.repeat,
    measured_forward_loss: round(s.measuredLoss?.forwardLoss, 4),
    measured_return_loss: round(s.measuredLoss?.returnLoss, 4),
    offered_per_s: s.offeredRate,
    submitted: s.submitted,
    ...Object.fromEntries(BUCKETS.map((bucket) => [bucket, s.buckets[bucket]])),
    created_but_unacknowledged: s.createdButUnacknowledged,
    duplicate_jobs: s.duplicateJobs,
    retries: s.retries,
    submission_rate_per_s: round(s.submissionRate, 4),
    completion_throughput_per_s: round(s.completionThroughput, 4),
    goodput_per_s: round(s.goodput, 4),
    submission_window_s: round(s.submissionWindowSeconds, 3),
    completion_window_s: round(s.completionWindowSeconds, 3),
    ...proportionCells('top1', s.top1),
    ...proportionCells('top5', s.top5),
    ...proportionCells('top1_of_done', s.top1OfDone),
  }));
}

export function latencyRows(summaries: readonly LossSummary[]): Record<string, Cell>[] {
  return summaries.map((s) => ({
    loss: s.loss,
    repeat: s.repeat,
    ...Object.fromEntries(
      STAGES.flatMap((stage) => {
        const d = s.latency[stage];
        return [[`${stage}_count`, d.count], ...(['mean', 'p50', 'p90', 'p99', 'max'] as const).map((key) => [`${stage}_${key}_ms`, round(d[key], 1)])];
      }),
    ),
  }));
}

export const toCsv = (rows: readonly Record<string, Cell>[]): string =>
  stringify(rows as Record<string, Cell>[], { header: true, columns: Object.keys(rows[0] ?? {}) });
