// Redis replies back into the rows the sqlite store reads, so both stores
// build their views with the same functions (job-views.ts).
import type { AttemptOutcome, JobStatus, JobView } from '../../api-types.ts';
import type { CappedJobs } from '../job-store.ts';
import { toView, type AttemptRow, type JobRow } from '../job-views.ts';

/** A job as the scripts store it: JSON of its fields, times as the strings the master passed. */
type StoredJob = Record<string, string | number | undefined>;

const numberOrNull = (value: string | number | undefined) => (value === undefined ? null : Number(value));
const stringOrNull = (value: string | number | undefined) => (value === undefined ? null : String(value));

export function jobRow(json: string | Buffer): JobRow {
  const job = JSON.parse(String(json)) as StoredJob;
  return {
    seq: Number(job.seq),
    id: String(job.id),
    status: job.status as JobStatus,
    attempts: Number(job.attempts),
    failures: Number(job.failures),
    file_name: String(job.file_name),
    content_type: String(job.content_type),
    size: Number(job.size),
    submitted_at: Number(job.submitted_at),
    queued_at: numberOrNull(job.queued_at),
    started_at: numberOrNull(job.started_at),
    finished_at: numberOrNull(job.finished_at),
    worker: stringOrNull(job.worker),
    lease_id: stringOrNull(job.lease_id),
    lease_worker: stringOrNull(job.lease_worker),
    lease_deadline: numberOrNull(job.lease_deadline),
    lease_trusted: numberOrNull(job.lease_trusted),
    error: stringOrNull(job.error),
    result: stringOrNull(job.result),
    owner: stringOrNull(job.owner),
    trusted_only: Number(job.trusted_only ?? 0),
    image_expired_at: numberOrNull(job.image_expired_at),
    prepared_type: stringOrNull(job.prepared_type),
    votes: Number(job.votes ?? 0),
  };
}

interface StoredAttempt {
  attempt: number;
  lease_id: string;
  worker_id: string;
  worker_name: string;
  backend: string;
  started_at: string;
  ended_at: string | null;
  outcome: AttemptOutcome;
  reason: string | null;
  /** Absent on attempts stored before identities: those count as trusted, as they did. */
  identity?: string;
  trusted?: number;
  final?: number;
  /** Absent on attempts with no network, or stored before networks. */
  network?: string;
  /** The vote of an 'answered' attempt, as JSON. */
  answer?: string;
}

/** A job's attempts as stored (a JSON array, absent when it has none), oldest first. */
export function attemptRows(json: string | null): AttemptRow[] {
  if (json === null) return [];
  return (JSON.parse(json) as StoredAttempt[]).map((stored) => ({
    ...stored,
    identity: stored.identity ?? '',
    trusted: stored.trusted ?? 1,
    final: stored.final ?? 0,
    network: stored.network ?? null,
    answer: stored.answer ?? null,
    started_at: Number(stored.started_at),
    ended_at: stored.ended_at === null ? null : Number(stored.ended_at),
  }));
}

export const viewOf = (json: string | Buffer): JobView => toView(jobRow(json));

/**
 * The entries of a lease or open-to script's reply, one per worker; tells `capped` the jobs the script made
 * trusted-only, the entry after the workers' (absent when it made none).
 */
export function perWorker<T>(reply: T[], workers: number, capped: CappedJobs | undefined): T[] {
  const jobs = reply[workers] as (string | Buffer)[] | undefined;
  if (jobs && jobs.length > 0) capped?.(jobs.map(viewOf));
  return reply.slice(0, workers);
}
