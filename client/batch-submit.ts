// Submits many files with bounded concurrency. Each file's Idempotency-Key is
// derived from its real path and content, so running again (as the same owner: the
// same --key) after a crash or a lost connection creates nothing twice: the master
// answers the jobs it already has, and the run resumes where it stopped.
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { JobView, type UploadLimits } from '../master/api-types.ts';
import { flattened } from '../master/shown-text.ts';
import { describeAnswer, quoteAnswer, requestWithRetries, type RetryPolicy } from '../metrics/runner/retrying-request.ts';
import { uploadForm, uploadWithRetries } from '../metrics/runner/upload-client.ts';

export interface BatchOptions extends RetryPolicy {
  masterUrl: string;
  /** The API key or owner key every request sends (metrics/runner/upload-owner.ts gets one). */
  ownerKey: string;
  concurrency: number;
  /** Wait for each job to finish and report its result. */
  wait: boolean;
  /** How often a waited-for job is looked at again. */
  pollMs: number;
  /** How long one read of a job keeps retrying a master that is away or busy (a restart) before the file is given up. */
  readGiveUpAfterMs: number;
  /** The master's upload limits (POST /api/owner): a file past them is refused here, not sent; null: a master too old to say. */
  uploadLimits: UploadLimits | null;
}

export interface FileOutcome {
  path: string;
  jobId: string | null;
  /** The job's status; `upload-failed` when the master never acknowledged the file, `read-failed` when the job could no longer be read. */
  status: JobView['status'] | 'upload-failed' | 'read-failed';
  job: JobView | null;
  /** Why the file failed, in plain words; null when it did not. */
  error: string | null;
}

export interface BatchEvents {
  uploaded(outcome: FileOutcome): void;
  /** Its lane starts no other file until this resolves: a results file or reader that does not keep up holds the run back. */
  finished(outcome: FileOutcome): void | Promise<void>;
}

/** A file that never became a job, and why. */
const notUploaded = (file: string, error: string): FileOutcome => ({ path: file, jobId: null, status: 'upload-failed', job: null, error });

/** A file that could not be read: it fails on its own and the run goes on. */
export const cannotRead = (file: string, why: string): FileOutcome => notUploaded(file, `cannot read the file: ${why}`);

/**
 * The name the master stores and shows: the file's own with each run of characters that break a line, hide or turn text
 * around made one space, as the master shows a worker's failure reason; sent as it is, the master refuses it (400
 * bad-file-name). The results file and the progress lines keep the real path.
 */
const uploadName = (file: string) => flattened(path.basename(file));

/** The real path (links resolved), so one file reached through a linked folder has one key. */
const idempotencyKey = (realPath: string, bytes: Uint8Array) => createHash('sha256').update(realPath).update('\0').update(bytes).digest('hex');

/** Each file's outcome goes to `events.finished` and is not kept: a run's memory does not grow with its files. */
export async function submitBatch(files: string[], options: BatchOptions, events: BatchEvents): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < files.length) await submitOne(files[next++]!, options, events);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, lane));
}

async function submitOne(file: string, options: BatchOptions, events: BatchEvents): Promise<FileOutcome> {
  const settle = async (outcome: FileOutcome) => {
    await events.finished(outcome);
    return outcome;
  };
  const uploadFailed = (outcome: FileOutcome): Promise<FileOutcome> => {
    events.uploaded(outcome);
    return settle(outcome);
  };
  const bytes = await readUpload(file, options.uploadLimits);
  if (!Buffer.isBuffer(bytes)) return uploadFailed(bytes);
  const real = await fs.realpath(file).catch((error: Error) => error);
  if (real instanceof Error) return uploadFailed(cannotRead(file, real.message));
  const upload = await uploadWithRetries(options, { key: idempotencyKey(real, bytes), fileName: uploadName(file), path: file }, bytes, Date.now());
  const jobId = upload.jobId;
  if (!jobId) {
    const last = upload.attempts.at(-1);
    return uploadFailed(notUploaded(file, `upload failed: ${last?.status ?? last?.outcome}${last?.detail ? ` ${last.detail}` : ''}`));
  }
  const outcome = (job: JobView): FileOutcome => ({ path: file, jobId, status: job.status, job, error: job.status === 'failed' ? job.error : null });
  // The job as last read: the file's row still says how far it got when a later read fails.
  const readFailed = (job: JobView | null, error: string): FileOutcome => ({ path: file, jobId, status: 'read-failed', job, error });
  let read = await getJob(options, jobId);
  if (typeof read === 'string') {
    const failed = readFailed(null, read);
    events.uploaded(failed);
    return settle(failed);
  }
  let job = read;
  events.uploaded(outcome(job));
  while (options.wait && (job.status === 'queued' || job.status === 'leased')) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    read = await getJob(options, jobId);
    if (typeof read === 'string') return settle(readFailed(job, read));
    job = read;
  }
  return settle(outcome(job));
}

/**
 * The file's bytes, or its outcome when it is not sent. It is looked at before it is read: a FIFO put where an image
 * was would block a read for ever (opened without blocking, it is refused), and a file past the master's limits is
 * refused by its size on disk, so a run holds at most `concurrency` files of at most MAX_UPLOAD_BYTES each.
 */
async function readUpload(file: string, limits: UploadLimits | null): Promise<Buffer | FileOutcome> {
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK).catch((error: Error) => error);
  if (handle instanceof Error) return cannotRead(file, handle.message);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return cannotRead(file, 'not a regular file (a FIFO, socket or device)');
    const before = await tooLarge(stat.size, uploadName(file), limits);
    if (before) return notUploaded(file, before);
    const bytes = await handle.readFile();
    // It may have grown since it was looked at.
    const after = await tooLarge(bytes.length, uploadName(file), limits);
    return after ? notUploaded(file, after) : bytes;
  } catch (error) {
    return cannotRead(file, (error as Error).message);
  } finally {
    await handle.close();
  }
}

/**
 * Why the master would refuse an upload of this many bytes as too large, or null. The master answers such an upload 413
 * and closes the connection while the body is still being sent, so the client mostly sees a broken pipe, which it would retry.
 */
async function tooLarge(size: number, fileName: string, limits: UploadLimits | null): Promise<string | null> {
  if (!limits) return null;
  if (size > limits.maxUploadBytes) return `too large: ${size} bytes, more than the master's MAX_UPLOAD_BYTES (${limits.maxUploadBytes}); not sent`;
  // The request as sent, less the file, measured on an empty one: the file is not encoded twice to be measured.
  const requestBytes = (await new Response(uploadForm(new Uint8Array(0), fileName)).arrayBuffer()).byteLength + size;
  if (requestBytes > limits.maxUploadRequestBytes) {
    return `too large: its upload request is ${requestBytes} bytes, more than the master's MAX_UPLOAD_REQUEST_BYTES (${limits.maxUploadRequestBytes}); not sent`;
  }
  return null;
}

/** Reads a job, riding out a master that is busy or briefly away (within readGiveUpAfterMs); a string says why it could not. */
async function getJob(options: BatchOptions, id: string): Promise<JobView | string> {
  // On a private board only the owner sees its jobs.
  const init = () => ({ headers: { Authorization: `Bearer ${options.ownerKey}` } });
  const answers = await requestWithRetries(new URL(`/api/jobs/${encodeURIComponent(id)}`, options.masterUrl), init, {
    ...options,
    giveUpAfterMs: options.readGiveUpAfterMs,
  });
  const last = answers.at(-1)!;
  if (last.status === 200) return parseJob(last.text) ?? `cannot read job ${id}: the master's answer is not a job (${quoteAnswer(last)})`;
  return `cannot read job ${id} (${answers.length} tries): ${describeAnswer(last)}`;
}

/** The job a 200 answer carries, or null for anything else (a proxy's HTML page, other JSON): that file fails, not the run. */
function parseJob(text: string): JobView | null {
  try {
    const parsed = JobView.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // not JSON at all
  }
}
