// The load generator: uploads images open loop at a fixed rate, each retried
// under its own Idempotency-Key until the master acknowledges it.
//
// Open loop means every upload starts at its scheduled time whether or not
// earlier ones have finished, and its latency counts from that scheduled
// (intended) time, so a stalled link cannot hide its backlog by slowing the
// client down (no coordinated omission).
import fs from 'node:fs';
import { backoffDelay, type BackoffPolicy } from '../../common/backoff.ts';
import type { SubmitResponse } from '../../master/api-types.ts';
import { uploadOwner } from './upload-owner.ts';

export interface PlannedUpload {
  /** Idempotency-Key: the same for every retry of this upload. */
  key: string;
  /** The name the master stores; carries the key so a job whose 201 was lost can still be found. */
  fileName: string;
  path: string;
}

export interface RetryPolicy {
  /** One attempt is abandoned after this long (a lossy TCP connection can stall indefinitely). */
  attemptTimeoutMs: number;
  /** No new attempt starts later than this after the intended send time; the upload is then given up. */
  giveUpAfterMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export interface UploadPlan extends RetryPolicy {
  masterUrl: string;
  /** Sent as "Authorization: Bearer <key>" with every attempt: one owner, so a retry finds its job. Unset: one is asked for first (upload-owner.ts). */
  ownerKey?: string;
  ratePerSecond: number;
  uploads: PlannedUpload[];
}

/**
 * created / replayed: 201 (replayed = an earlier attempt had already created the job).
 * busy: 503 or another 5xx, retried. refused: any other answer, not retried.
 * timeout / network-error: no answer, retried.
 */
export type AttemptOutcome = 'created' | 'replayed' | 'busy' | 'refused' | 'timeout' | 'network-error';

export interface UploadAttempt {
  startedAt: number;
  endedAt: number;
  outcome: AttemptOutcome;
  status: number | null;
  detail: string | null;
}

export interface UploadResult {
  key: string;
  /** Client clock, epoch ms: when the open-loop schedule meant this upload to start. */
  intendedAt: number;
  /** Client clock, epoch ms: when the 201 arrived; null if it never did. */
  ackedAt: number | null;
  jobId: string | null;
  attempts: UploadAttempt[];
}

/** Lead time before the first send, so scheduling starts from a quiet event loop. */
const START_DELAY_MS = 50;

export async function runOpenLoop(plan: UploadPlan, onSettled: (result: UploadResult) => void = () => {}): Promise<UploadResult[]> {
  // Read every image first: disk reads must not delay a scheduled send.
  const bodies = plan.uploads.map((upload) => fs.readFileSync(upload.path));
  const ownerKey = plan.ownerKey ?? (await uploadOwner(plan.masterUrl, undefined, plan)).key;
  const start = Date.now() + START_DELAY_MS;
  const intervalMs = 1000 / plan.ratePerSecond;
  return Promise.all(
    plan.uploads.map(async (upload, i) => {
      const intendedAt = start + i * intervalMs;
      await sleep(intendedAt - Date.now());
      const result = await uploadWithRetries({ ...plan, ownerKey }, upload, bodies[i]!, intendedAt);
      onSettled(result);
      return result;
    }),
  );
}

/** Uploads one image, retrying under its key until acknowledged, refused, or out of time (counted from intendedAt). */
export async function uploadWithRetries(
  plan: Pick<UploadPlan, 'masterUrl' | 'ownerKey' | keyof RetryPolicy>,
  upload: PlannedUpload,
  body: Buffer,
  intendedAt: number,
): Promise<UploadResult> {
  const attempts: UploadAttempt[] = [];
  const lastStart = intendedAt + plan.giveUpAfterMs;
  for (;;) {
    const attempt = await attemptUpload(plan.masterUrl, plan.ownerKey, upload, body, plan.attemptTimeoutMs);
    attempts.push(attempt.record);
    if (attempt.jobId) return { key: upload.key, intendedAt, ackedAt: attempt.record.endedAt, jobId: attempt.jobId, attempts };
    if (attempt.record.outcome === 'refused') break;
    const delay = attempt.retryAfterMs ?? backoffDelay(attempts.length - 1, retryBackoff(plan));
    if (Date.now() + delay > lastStart) break;
    await sleep(delay);
  }
  return { key: upload.key, intendedAt, ackedAt: null, jobId: null, attempts };
}

/** Doubling from backoffInitialMs to backoffMaxMs, with jitter so stalled uploads do not retry in step. */
export const retryBackoff = (policy: Pick<RetryPolicy, 'backoffInitialMs' | 'backoffMaxMs'>): BackoffPolicy => ({
  initialMs: policy.backoffInitialMs,
  maxMs: policy.backoffMaxMs,
  jitter: true,
});

async function attemptUpload(masterUrl: string, ownerKey: string | undefined, upload: PlannedUpload, body: Buffer, timeoutMs: number) {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(body)]), upload.fileName);
  const startedAt = Date.now();
  const record = (outcome: AttemptOutcome, status: number | null, detail: string | null): UploadAttempt => ({
    startedAt,
    endedAt: Date.now(),
    outcome,
    status,
    detail,
  });
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(new URL('/api/jobs', masterUrl), {
      method: 'POST',
      body: form,
      headers: { 'Idempotency-Key': upload.key, ...(ownerKey && { Authorization: `Bearer ${ownerKey}` }) },
      signal,
    });
    const text = await response.text(); // still under the timeout: a body can stall too
    if (response.status === 201) {
      const jobId = (JSON.parse(text) as SubmitResponse).jobs[0]!.id;
      const replayed = response.headers.get('idempotent-replayed') === 'true';
      return { jobId, record: record(replayed ? 'replayed' : 'created', 201, null), retryAfterMs: null };
    }
    const retryAfter = Number(response.headers.get('retry-after'));
    // Busy is worth another try: the master's own trouble (5xx), a cap on this client (429), an upload cut off as too slow (408).
    const busy = response.status >= 500 || response.status === 429 || response.status === 408;
    return {
      jobId: null,
      record: record(busy ? 'busy' : 'refused', response.status, text.slice(0, 200)),
      retryAfterMs: busy && retryAfter > 0 ? retryAfter * 1000 : null,
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { jobId: null, record: record(timedOut ? 'timeout' : 'network-error', null, describe(error)), retryAfterMs: null };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
