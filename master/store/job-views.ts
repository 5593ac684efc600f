// A job's stored row and its public view, shared by every store so that each
// returns the same shapes (ISO times, nulls, parsed results).
import type { AttemptOutcome, AttemptView, JobResult, JobStatus, JobView } from '../api-types.ts';
import type { AttemptFacts } from './attempt-rules.ts';

export interface JobRow {
  seq: number;
  id: string;
  status: JobStatus;
  attempts: number;
  failures: number;
  file_name: string;
  content_type: string;
  size: number;
  submitted_at: number;
  /** When it last went into the queue (submitted, requeued, reopened, retried); null for a job stored before it was kept. */
  queued_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  worker: string | null;
  lease_id: string | null;
  lease_worker: string | null;
  lease_deadline: number | null;
  /** 1 when the worker holding its lease is trusted, 0 a volunteer; null when none holds it, or for a lease written before it was kept. */
  lease_trusted: number | null;
  error: string | null;
  result: string | null;
  /** Who submitted the job (an owner id, never a key); null for jobs stored before owners. */
  owner: string | null;
  /** 1 when only trusted workers may take it. */
  trusted_only: number;
  /** When its image was deleted (retention, master/lifecycle/retention.ts); null while it is kept. */
  image_expired_at: number | null;
  /** The prepared image's content type (what workers receive); null for a job stored before images were prepared. */
  prepared_type: string | null;
  /** Volunteers' answers it holds as votes (its 'answered' attempts), counted whenever one is added. */
  votes: number;
}

export interface AttemptRow {
  attempt: number;
  lease_id: string;
  worker_id: string;
  worker_name: string;
  backend: string;
  started_at: number;
  ended_at: number | null;
  outcome: AttemptOutcome;
  reason: string | null;
  /** The master-issued identity that held the lease ('' for attempts stored before identities). */
  identity: string;
  /** 1 for a trusted worker (and for attempts stored before identities), 0 for a volunteer. */
  trusted: number;
  /** 1 when the failure said retrying cannot help. */
  final: number;
  /** The network tag of the worker's socket (WorkerRef.network); null when it had none or was stored before networks. */
  network: string | null;
  /** A volunteer's answer kept as a vote (outcome 'answered'): the JobResult as JSON. */
  answer: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toView(row: JobRow): JobView {
  return {
    id: row.id,
    status: row.status,
    attempts: row.attempts,
    fileName: row.file_name,
    contentType: row.content_type,
    size: row.size,
    submittedAt: new Date(row.submitted_at).toISOString(),
    queuedAt: new Date(row.queued_at ?? row.submitted_at).toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    worker: row.worker,
    holderClass: row.lease_trusted === null ? null : row.lease_trusted ? 'trusted' : 'volunteer',
    error: row.error,
    result: row.result ? (JSON.parse(row.result) as JobResult) : null,
    owner: row.owner,
    trustedOnly: row.trusted_only === 1,
    imageExpiredAt: iso(row.image_expired_at),
    // A finished job's answers are in its result's verification; only a waiting job shows what it holds.
    votes: row.status === 'queued' || row.status === 'leased' ? row.votes : 0,
  };
}

/**
 * Whether a done job's result leaned on this identity: its answer agreed, and no trusted worker's did. A result
 * already made unverified after the fact (withdrawn) is left as it is: it says why already. An answer marked
 * blacklisted counted for nothing when the job ended: the result did not lean on it, and its backtracking walked
 * again must not reopen the job once more.
 */
export function leanedOn(result: JobResult | null, identity: string): boolean {
  const verification = result?.verification;
  if (!verification || verification.state === 'trusted' || verification.reason !== undefined) return false;
  return verification.replicas.some((replica) => replica.workerId === identity && replica.agreed && !replica.blacklisted);
}

/**
 * A done job's result that leaned on a volunteer blacklisted since, when its image has expired and it cannot be asked
 * again: the same answer, unverified, saying why (`reason`).
 */
export function withdrawn(result: JobResult, reason: string): JobResult {
  return { ...result, verification: { ...result.verification!, state: 'unverified', reason } };
}

/** The answer a result was made from, as it is kept as a vote: without the verification record. */
export function answerOf(result: JobResult): JobResult {
  const answer = { ...result };
  delete answer.verification;
  return answer;
}

export function toAttemptView(row: AttemptRow): AttemptView {
  return {
    attempt: row.attempt,
    leaseId: row.lease_id,
    worker: row.worker_id,
    workerName: row.worker_name,
    backend: row.backend,
    startedAt: new Date(row.started_at).toISOString(),
    endedAt: iso(row.ended_at),
    outcome: row.outcome,
    reason: row.reason,
    workerId: row.identity || null,
    workerClass: row.trusted ? 'trusted' : 'volunteer',
  };
}

/** A stored attempt as the attempt rules see it (attempt-rules.ts). */
export const toAttemptFacts = (row: AttemptRow): AttemptFacts => ({
  attempt: row.attempt,
  identity: row.identity,
  network: row.network,
  trusted: row.trusted === 1,
  outcome: row.outcome,
  final: row.final === 1,
});
