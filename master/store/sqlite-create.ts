// The rows of an upload in the embedded store, written inside its group commit once the images are in place. The
// queue's limit (MAX_PENDING_JOBS) and the Idempotency-Key are checked in the same transaction as the insert, so
// concurrent uploads never overshoot the one nor create twice under the other.
import type { JobView } from '../api-types.ts';
import type { CreateResult, Limits, NewJob } from './job-store.ts';
import { toView, type JobRow } from './job-views.ts';
import type { Statements } from './sqlite-statements.ts';
import { IdempotencyKeyReusedError, QueueFullError } from './store-errors.ts';

export interface NewRows {
  jobs: NewJob[];
  /** Each job's id, its images already in place under it. */
  ids: string[];
  now: number;
  /** Already scoped to the owner (idempotencyScope). */
  idempotencyKey: string | undefined;
  /** The request's digest (requestDigest) when it has a key. */
  digest: string | null;
  owner: string | undefined;
}

/** Expired Idempotency-Keys a create forgets, as create.lua does; retention forgets the rest (forgetIdempotencyKeys). */
const EXPIRED_KEYS_PER_CREATE = 100;

export function createRows(q: Statements, limits: Pick<Limits, 'idempotencyTtlMs' | 'maxPendingJobs'>, rows: NewRows): CreateResult {
  const { jobs, ids, now, idempotencyKey, digest, owner } = rows;
  const view = (id: string) => {
    const row = q.job.get(id) as JobRow | undefined;
    return row ? toView(row) : null;
  };
  // Forget a bounded number of expired keys per create; a lookup ignores the expired ones not forgotten yet.
  const expiredBy = now - limits.idempotencyTtlMs;
  q.idempotencyForget.run(expiredBy, EXPIRED_KEYS_PER_CREATE);
  if (idempotencyKey) {
    const known = q.idempotencyGet.get(idempotencyKey, expiredBy) as { job_ids: string; request_digest: string | null } | undefined;
    if (known !== undefined) {
      if (known.request_digest !== null && known.request_digest !== digest) throw new IdempotencyKeyReusedError();
      // The jobs the key created that still exist, as they are now.
      const ids = JSON.parse(known.job_ids) as string[];
      return { jobs: ids.map(view).filter((job): job is JobView => job !== null), replayed: true };
    }
  }
  if ((q.pending.get() as number) + jobs.length > limits.maxPendingJobs) throw new QueueFullError(limits.maxPendingJobs);
  jobs.forEach((job, i) =>
    q.insertJob.run({
      id: ids[i],
      fileName: job.fileName,
      contentType: job.contentType,
      size: job.image.size,
      now,
      owner: owner ?? null,
      trustedOnly: job.trustedOnly ? 1 : 0,
      preparedType: job.prepared?.contentType ?? null,
    }),
  );
  if (idempotencyKey) q.idempotencyPut.run(idempotencyKey, JSON.stringify(ids), now, digest);
  return { jobs: ids.map((id) => view(id)!), replayed: false };
}
