// One row per file, as CSV or JSON lines (by the file's extension), written as files finish.
// A results file is written beside itself and renamed into place when the run ends, so a run that is
// interrupted (or fails to finish) leaves the file from the run before untouched, never half-written.
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { csvWriter, indexCells, INDEX_COLUMNS, predictionCells, PREDICTION_COLUMNS, verificationCell } from '../master/http/job-rows.ts';
import type { FileOutcome } from './batch-submit.ts';
import { shownPath } from './printable.ts';

// Each column added last, so a script reading the columns before it by position reads what it did: the class indexes,
// then the verification (the export's column of that name, which the export has before its indexes).
export const RESULT_COLUMNS = ['path', 'jobId', 'status', 'error', ...PREDICTION_COLUMNS, ...INDEX_COLUMNS, 'verification'];

export interface ResultsWriter {
  /** Resolves once the row is taken: a reader or a disk that does not keep up holds the run back, not its rows in memory. */
  write(outcome: FileOutcome): Promise<void>;
  /** Ends the rows and puts the file in place; rejects, naming the file in plain words, when a write or the rename failed. */
  close(): Promise<void>;
  /** Drops the rows written so far; the results file stays as it was. */
  abandon(): void;
}

/** Whether a write to stdout failed because its reader is gone (`| head` has read what it wanted): EPIPE. */
export const readerGone = (error: Error): boolean => (error.cause as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';

/**
 * To `file` (.csv or .jsonl), or CSV on stdout without one. Its partial file is opened here, at once, so a results file
 * that cannot be written stops the run before it uploads anything, not after it uploaded everything; a write that
 * fails later (a full disk, stdout's reader gone) calls `onWriteError` at once, so the run can stop then rather than
 * upload and wait on the rest.
 */
export function openResults(file: string | undefined, onWriteError: (error: Error) => void, stdout: Writable = process.stdout): ResultsWriter {
  const partial = file && path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  const out = partial ? fs.createWriteStream(partial, { fd: openPartial(file, partial) }) : stdout;
  const named = (error: Error) => new Error(`cannot write the results ${file ? `file ${shownPath(file)}` : 'to stdout'}: ${error.message}`, { cause: error });
  const done = partial ? new Promise<void>((resolve, reject) => out.once('finish', resolve).once('error', reject)) : Promise.resolve();
  // Said once, by onWriteError, not as a crash.
  done.catch((error: Error) => onWriteError(named(error)));
  if (!partial) out.on('error', (error: Error) => onWriteError(named(error)));
  const settle = async () => {
    try {
      await done;
      if (file && partial) await fs.promises.rename(partial, file);
    } catch (error) {
      throw named(error as Error);
    }
  };
  const abandon = () => {
    if (!partial) return;
    (out as fs.WriteStream).destroy();
    fs.rmSync(partial, { force: true });
  };
  if (file?.endsWith('.jsonl')) {
    const taken = whenTaken(out);
    return {
      write: (outcome) =>
        taken(
          out.write(
            `${JSON.stringify({ path: outcome.path, jobId: outcome.jobId, status: outcome.status, error: outcome.error, result: outcome.job?.result ?? null })}\n`,
          ),
        ),
      close: async () => {
        out.end();
        await settle();
      },
      abandon,
    };
  }
  const csv = csvWriter(RESULT_COLUMNS);
  // The pipe waits on `out`, so the stringifier's own buffer fills and says to wait.
  csv.pipe(out, { end: Boolean(file) });
  const taken = whenTaken(csv);
  return {
    write: ({ path: filePath, jobId, status, error, job }) =>
      taken(
        csv.write([
          filePath,
          jobId ?? '',
          status,
          error ?? '',
          ...predictionCells(job ?? { result: null }),
          ...indexCells(job ?? { result: null }),
          job ? verificationCell(job) : '',
        ]),
      ),
    close: async () => {
      csv.end();
      await (file ? settle() : new Promise((resolve) => csv.once('end', resolve)));
    },
    abandon,
  };
}

/** After a write to `stream`: resolves at once when it took the row, else on its next 'drain', one wait shared by every file. */
function whenTaken(stream: Writable): (accepted: boolean) => Promise<void> {
  let drained: Promise<void> | null = null;
  return (accepted) => {
    if (accepted) return Promise.resolve();
    drained ??= new Promise<void>((resolve) => stream.once('drain', resolve)).finally(() => (drained = null));
    return drained;
  };
}

/** The partial file, opened for writing, or an error in plain words naming the results file. */
function openPartial(file: string, partial: string): number {
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`cannot write the results file ${shownPath(file)}: it is a folder`);
  try {
    return fs.openSync(partial, 'w');
  } catch (error) {
    throw new Error(`cannot write the results file ${shownPath(file)}: ${(error as Error).message}`, { cause: error });
  }
}
