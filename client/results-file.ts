// One row per file, as CSV or JSON lines (by the file's extension), written as files finish.
import fs from 'node:fs';
import { csvWriter, predictionCells, PREDICTION_COLUMNS } from '../master/http/job-rows.ts';
import type { FileOutcome } from './batch-submit.ts';

export const RESULT_COLUMNS = ['path', 'jobId', 'status', 'error', ...PREDICTION_COLUMNS];

export interface ResultsWriter {
  write(outcome: FileOutcome): void;
  close(): Promise<void>;
}

/** To `file` (.csv or .jsonl), or CSV on stdout without one. */
export function openResults(file: string | undefined): ResultsWriter {
  const out = file ? fs.createWriteStream(file) : process.stdout;
  const done = file ? new Promise<void>((resolve, reject) => out.once('finish', resolve).once('error', reject)) : Promise.resolve();
  if (file?.endsWith('.jsonl')) {
    return {
      write: (outcome) =>
        out.write(
          `${JSON.stringify({ path: outcome.path, jobId: outcome.jobId, status: outcome.status, error: outcome.error, result: outcome.job?.result ?? null })}\n`,
        ),
      close: async () => {
        if (file) out.end();
        await done;
      },
    };
  }
  const csv = csvWriter(RESULT_COLUMNS);
  csv.pipe(out, { end: Boolean(file) });
  return {
    write: (outcome) =>
      csv.write([outcome.path, outcome.jobId ?? '', outcome.status, outcome.error ?? '', ...predictionCells(outcome.job ?? { result: null })]),
    close: async () => {
      csv.end();
      await (file ? done : new Promise((resolve) => csv.once('end', resolve)));
    },
  };
}
