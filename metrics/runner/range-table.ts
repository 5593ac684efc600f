// A study run with --repeats as a plain-text table for the terminal: one row
// per loss rate, each figure the range (min–max) over that rate's repeats, and
// how many repeats it had. summary.csv and latency.csv keep one row per repeat.
import type { LossSummary } from './summary.ts';

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const perSecond = (value: number) => value.toFixed(2);
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const count = (value: number) => String(value);

/** [title, the figure of one repeat, how it is written]. */
const COLUMNS: [string, (s: LossSummary) => number, (value: number) => string][] = [
  ['sent', (s) => s.submitted, count],
  ['correct', (s) => s.buckets.correct, count],
  ['wrong', (s) => s.buckets.wrong, count],
  ['failed', (s) => s.buckets.failed, count],
  ['missing', (s) => s.buckets.missing, count],
  ['unacked', (s) => s.buckets.unacknowledged, count],
  ['dup jobs', (s) => s.duplicateJobs, count],
  ['retries', (s) => s.retries, count],
  ['201s/s', (s) => s.submissionRate, perSecond],
  ['done/s', (s) => s.completionThroughput, perSecond],
  ['goodput/s', (s) => s.goodput, perSecond],
  ['top-1 of sent', (s) => s.top1.value, percent],
  ['top-1 of done', (s) => s.top1OfDone.value, percent],
  // Taken over the images that got that far, as in the one-repeat table.
  ['upload p50 s', (s) => s.latency.upload.p50, seconds],
  ['upload p99 s', (s) => s.latency.upload.p99, seconds],
  ['end-to-end p50 s', (s) => s.latency.endToEnd.p50, seconds],
  ['end-to-end p99 s', (s) => s.latency.endToEnd.p99, seconds],
];

/**
 * min–max of the repeats that have the figure (one value where they agree; – where none has it), saying over how many
 * of them when some have no data for it (a latency where a repeat had no job done): n counts every repeat.
 */
function range(values: number[], write: (value: number) => string): string {
  const known = values.filter(Number.isFinite);
  if (known.length === 0) return '–';
  const [low, high] = [write(Math.min(...known)), write(Math.max(...known))];
  const over = known.length < values.length ? ` (${known.length} of ${values.length})` : '';
  return `${low === high ? low : `${low}–${high}`}${over}`;
}

export function formatRangeTable(summaries: readonly LossSummary[]): string {
  const byLoss = new Map<number, LossSummary[]>();
  for (const summary of summaries) byLoss.set(summary.loss, [...(byLoss.get(summary.loss) ?? []), summary]);
  const titles = ['loss', 'n', ...COLUMNS.map(([title]) => title)];
  const rows = [
    titles,
    ...[...byLoss].map(([loss, repeats]) => [String(loss), String(repeats.length), ...COLUMNS.map(([, figure, write]) => range(repeats.map(figure), write))]),
  ];
  const widths = titles.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
  return [
    'each figure min–max over the repeats of its loss rate (n: how many; "(k of n)": over the k with data for it)',
    line(rows[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}
