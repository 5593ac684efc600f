// The load generator: uploads images open loop at a fixed rate, each retried
// under its own Idempotency-Key until the master acknowledges it.
//
// Open loop means every upload starts at its scheduled time whether or not
// earlier ones have finished, and its latency counts from that scheduled
// (intended) time, so a stalled link cannot hide its backlog by slowing the
// client down (no coordinated omission).
import fs from 'node:fs';
import { z } from 'zod';
import { isBusy, quoteAnswer, requestWithRetries, type Answer, type RetryPolicy } from './retrying-request.ts';
import { uploadOwner } from './upload-owner.ts';

export interface PlannedUpload {
  /** Idempotency-Key: the same for every retry of this upload. */
  key: string;
  /** The name the master stores; carries the key so a job whose 201 was lost can still be found. */
  fileName: string;
  path: string;
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
  const init = (): RequestInit => {
    return {
      method: 'POST',
      body: uploadForm(body, upload.fileName),
      headers: { 'Idempotency-Key': upload.key, ...(plan.ownerKey && { Authorization: `Bearer ${plan.ownerKey}` }) },
    };
  };
  const answers = await requestWithRetries(new URL('/api/jobs', plan.masterUrl), init, plan, intendedAt + plan.giveUpAfterMs);
  const attempts = answers.map(uploadAttempt);
  const last = answers.at(-1)!;
  if (last.status !== 201) return { key: upload.key, intendedAt, ackedAt: null, jobId: null, attempts };
  const jobId = acknowledgedJobId(last.text);
  // A 201 naming no job is no acknowledgement (a proxy's page, another service): the upload is refused, not the run ended.
  if (jobId === null) {
    attempts[attempts.length - 1] = { ...attempts.at(-1)!, outcome: 'refused', detail: `the master's answer names no job (${quoteAnswer(last)})` };
    return { key: upload.key, intendedAt, ackedAt: null, jobId: null, attempts };
  }
  return { key: upload.key, intendedAt, ackedAt: last.endedAt, jobId, attempts };
}

/** What an upload's acknowledgement must hold: the id of its job (api-types.ts SubmitResponse). */
const Acknowledgement = z.object({ jobs: z.array(z.object({ id: z.string() })).min(1) });

function acknowledgedJobId(text: string): string | null {
  try {
    const parsed = Acknowledgement.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.jobs[0]!.id : null;
  } catch {
    return null; // not JSON at all
  }
}

/** The multipart body of one upload (a fresh one per attempt: a sent body is spent). */
export function uploadForm(body: Uint8Array, fileName: string): FormData {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(body)]), fileName);
  return form;
}

function uploadAttempt({ startedAt, endedAt, status, headers, text, timedOut }: Answer): UploadAttempt {
  const record = (outcome: AttemptOutcome, detail: string | null): UploadAttempt => ({ startedAt, endedAt, outcome, status, detail });
  if (status === null) return record(timedOut ? 'timeout' : 'network-error', text);
  if (status === 201) return record(headers?.get('idempotent-replayed') === 'true' ? 'replayed' : 'created', null);
  return record(isBusy(status) ? 'busy' : 'refused', text.slice(0, 200));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
