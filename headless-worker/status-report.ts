// The fleet's periodic status: per worker its browser, state, backend, images per second and restarts.
// A person at a terminal gets a table redrawn in place; anything else gets one JSON line per worker.
import type { WorkerStatus } from './supervised-worker.ts';

export interface ReportedStatus extends WorkerStatus {
  /** Images finished per second since the previous report. */
  imagesPerSecond: number;
}

/** Images per second for each worker, from the growth of its jobsDone between two reports. */
export class ThroughputMeter {
  readonly #last = new Map<string, { jobsDone: number; restarts: number; at: number }>();

  measure(statuses: readonly WorkerStatus[], now: number): ReportedStatus[] {
    return statuses.map((status) => {
      const last = this.#last.get(status.name);
      this.#last.set(status.name, { jobsDone: status.jobsDone, restarts: status.restarts, at: now });
      if (!last || now <= last.at) return { ...status, imagesPerSecond: 0 };
      // A relaunched page counts from 0 again: what it shows now was all done since the last report, though it may
      // already have done more than the page before it had.
      const relaunched = status.restarts !== last.restarts || status.jobsDone < last.jobsDone;
      const done = relaunched ? status.jobsDone : status.jobsDone - last.jobsDone;
      return { ...status, imagesPerSecond: (done * 1000) / (now - last.at) };
    });
  }
}

const COLUMNS: Array<[string, (status: ReportedStatus) => string, 'left' | 'right']> = [
  ['worker', (s) => s.name, 'left'],
  ['browser', (s) => s.browser, 'left'],
  ['state', (s) => s.state, 'left'],
  ['backend', (s) => s.backend ?? '-', 'left'],
  ['images/s', (s) => s.imagesPerSecond.toFixed(1), 'right'],
  ['done', (s) => String(s.jobsDone), 'right'],
  ['failed', (s) => String(s.jobsFailed), 'right'],
  ['ms/image', (s) => (s.msPerImage === undefined ? '-' : s.msPerImage.toFixed(1)), 'right'],
  ['restarts', (s) => String(s.restarts), 'right'],
];

/** The table's lines: a header, one row per worker, and a total. */
export function formatStatusTable(statuses: readonly ReportedStatus[]): string[] {
  const total = statuses.reduce((sum, status) => sum + status.imagesPerSecond, 0);
  const rows = [COLUMNS.map(([title]) => title), ...statuses.map((status) => COLUMNS.map(([, cell]) => cell(status)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (COLUMNS[i]![2] === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  return [...lines, `${statuses.length} worker(s), ${total.toFixed(1)} images/s in all`];
}

/** One JSON line's fields for a worker (what a log collector or a script reads). */
export function statusRecord(status: ReportedStatus): Record<string, unknown> {
  const { name, browser, state, backend, jobsDone, jobsFailed, msPerImage, restarts, imagesPerSecond, lastError } = status;
  return { worker: name, browser, state, backend, imagesPerSecond: Number(imagesPerSecond.toFixed(2)), jobsDone, jobsFailed, msPerImage, restarts, lastError };
}
