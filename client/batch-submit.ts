// Submits many files with bounded concurrency. Each file's Idempotency-Key is
// derived from its path and content, so running again (as the same owner: the
// same --key) after a crash or a lost connection creates nothing twice: the master
// answers the jobs it already has, and the run resumes where it stopped.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { backoffDelay, type BackoffPolicy } from '../common/backoff.ts';
import type { JobView } from '../master/api-types.ts';
import { uploadWithRetries, type RetryPolicy } from '../metrics/runner/upload-client.ts';

export interface BatchOptions extends RetryPolicy {
  masterUrl: string;
  /** The API key or owner key every request sends (metrics/runner/upload-owner.ts gets one). */
  ownerKey: string;
  concurrency: number;
  /** Wait for each job to finish and report its result. */
  wait: boolean;
  /** How often a waited-for job is looked at again. */
  pollMs: number;
}

export interface FileOutcome {
  path: string;
  jobId: string | null;
  /** The job's status, or `upload-failed` when the master never acknowledged the file. */
  status: JobView['status'] | 'upload-failed';
  job: JobView | null;
  /** Why the file failed, in plain words; null when it did not. */
  error: string | null;
}

export interface BatchEvents {
  uploaded(outcome: FileOutcome): void;
  finished(outcome: FileOutcome): void;
}

export const idempotencyKey = (file: string, bytes: Uint8Array) => createHash('sha256').update(path.resolve(file)).update('\0').update(bytes).digest('hex');

export async function submitBatch(files: string[], options: BatchOptions, events: BatchEvents): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = new Array(files.length);
  let next = 0;
  const lane = async () => {
    while (next < files.length) {
      const i = next++;
      outcomes[i] = await submitOne(files[i]!, options, events);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, lane));
  return outcomes;
}

async function submitOne(file: string, options: BatchOptions, events: BatchEvents): Promise<FileOutcome> {
  const bytes = await fs.readFile(file);
  const key = idempotencyKey(file, bytes);
  const upload = await uploadWithRetries(options, { key, fileName: path.basename(file), path: file }, bytes, Date.now());
  if (!upload.jobId) {
    const last = upload.attempts.at(-1);
    const outcome: FileOutcome = {
      path: file,
      jobId: null,
      status: 'upload-failed',
      job: null,
      error: `upload failed: ${last?.status ?? last?.outcome}${last?.detail ? ` ${last.detail}` : ''}`,
    };
    events.uploaded(outcome);
    events.finished(outcome);
    return outcome;
  }
  let job = await getJob(options, upload.jobId);
  const outcome = (): FileOutcome => ({ path: file, jobId: upload.jobId, status: job.status, job, error: job.status === 'failed' ? job.error : null });
  events.uploaded(outcome());
  while (options.wait && (job.status === 'queued' || job.status === 'leased')) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    job = await getJob(options, upload.jobId);
  }
  events.finished(outcome());
  return outcome();
}

/** Reads a job, riding out a master that is briefly away (network errors and 5xx, with backoff). */
async function getJob({ masterUrl, ownerKey }: BatchOptions, id: string): Promise<JobView> {
  for (let failures = 1; ; failures++) {
    let problem: string;
    try {
      // On a private board only the owner sees its jobs.
      const response = await fetch(new URL(`/api/jobs/${encodeURIComponent(id)}`, masterUrl), { headers: { Authorization: `Bearer ${ownerKey}` } });
      if (response.ok) return (await response.json()) as JobView;
      problem = `the master answered ${response.status} for job ${id}: ${await response.text()}`;
      if (response.status < 500) throw new Error(problem);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error; // fetch's "could not reach"
      problem = `cannot reach the master: ${error.message}`;
    }
    if (failures >= MAX_READ_FAILURES) throw new Error(problem);
    await new Promise((resolve) => setTimeout(resolve, backoffDelay(failures, READ_BACKOFF)));
  }
}

const MAX_READ_FAILURES = 10;
/** Between reads of a job that failed: 0.4 s (after the first failure) doubling to 5 s. */
const READ_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5_000 };
