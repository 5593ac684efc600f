// The summary as a plain-text table for the terminal, one row per loss rate
// (a study with --repeats prints range-table.ts instead).
import type { Distribution } from '../../common/percentiles.ts';
import type { LossSummary } from './summary.ts';
import type { Proportion } from './wilson.ts';

const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '–');
const withInterval = (p: Proportion) => `${percent(p.value)} [${percent(p.low)}, ${percent(p.high)}]`;
const perSecond = (value: number) => value.toFixed(2);
const seconds = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
const percentiles = (d: Distribution) => `${seconds(d.p50)}/${seconds(d.p99)} (${d.count})`;

const COLUMNS: [string, (s: LossSummary) => string][] = [
  ['loss', (s) => String(s.loss)],
  ['measured fwd/ret', (s) => (s.measuredLoss ? `${percent(s.measuredLoss.forwardLoss)}/${percent(s.measuredLoss.returnLoss)}` : '–')],
  ['sent', (s) => String(s.submitted)],
  ['correct', (s) => String(s.buckets.correct)],
  ['wrong', (s) => String(s.buckets.wrong)],
  ['failed', (s) => String(s.buckets.failed)],
  ['missing', (s) => String(s.buckets.missing)],
  ['unacked', (s) => String(s.buckets.unacknowledged)],
  ['dup jobs', (s) => String(s.duplicateJobs)],
  ['retries', (s) => String(s.retries)],
  ['201s/s', (s) => perSecond(s.submissionRate)],
  ['done/s', (s) => perSecond(s.completionThroughput)],
  ['goodput/s', (s) => perSecond(s.goodput)],
  ['top-1 of sent [95% CI]', (s) => withInterval(s.top1)],
  ['top-5 of sent', (s) => percent(s.top5.value)],
  ['top-1 of done', (s) => percent(s.top1OfDone.value)],
  // Taken over the images that got that far (n): those never acknowledged or never done, the slowest, are not in them.
  ['upload p50/p99 s (n)', (s) => percentiles(s.latency.upload)],
  ['end-to-end p50/p99 s (n)', (s) => percentiles(s.latency.endToEnd)],
];

export function formatSummaryTable(summaries: readonly LossSummary[]): string {
  const rows = [COLUMNS.map(([title]) => title), ...summaries.map((s) => COLUMNS.map(([, cell]) => cell(s)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
