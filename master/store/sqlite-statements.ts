// The embedded store's SQL, prepared once per database: every query and change
// sqlite-job-store.ts runs, by what it does.
import type Database from 'better-sqlite3';
import { VOTES_HELD } from './sqlite-schema.ts';

/**
 * A queued job's condition that this identity never said it cannot be processed, answered it, or answered it with
 * nonsense, and, as a volunteer, never held a lease of it that ended without an answer: a job that came back to the
 * volunteer that failed or dropped it would tell it from a spot check, which never comes back (the twin of
 * end-without-result.lua's shun).
 */
const UNSHUNNED = `NOT EXISTS (
  SELECT 1 FROM attempts a WHERE a.job_id = jobs.id AND a.identity = @identity
    AND (a.outcome IN ('refused', 'answered') OR (a.outcome = 'failed' AND a.final = 1)
      OR (a.trusted = 0 AND a.outcome IN ('failed', 'expired', 'lost', 'recovered'))))`;

/**
 * A queued job's condition that a volunteer's network (@network, null for none) holds fewer than @votersPerNetwork
 * of its votes (MAX_VOTERS_PER_NETWORK): identities are free, so one network's further identities are never dealt a
 * job its voters answered, and its answers never fill a job's replicas (the twin of job-lib.lua's network_voted).
 */
const NETWORK_MAY_VOTE = `(@network IS NULL OR (
  SELECT COUNT(*) FROM attempts v WHERE v.job_id = jobs.id AND v.network = @network AND v.trusted = 0 AND v.outcome = 'answered') < @votersPerNetwork)`;

/**
 * Whether a job holding `votes` volunteer answers (an SQL count: the votes column, or VOTES_HELD while they change)
 * holds too many: @maxAnswers or more (MAX_ANSWERS_PER_JOB, those of identities blacklisted since included), 1 or 0.
 * No volunteer is leased such a job again: vote and reopen make it trusted-only, out of the open queue (a backtracking
 * with no trusted worker connected leaves it done and unverified instead: sqlite-backtracking.ts); the volunteer's
 * lease passes over one left holding that many by a master older than the limit, or before it was lowered, and
 * MARK_ANSWERS_FULL takes it out. Every such decision of this store reads this one (the twin of job-lib.lua's
 * answers_full).
 */
const answersFull = (votes: string) => `(${votes} >= @maxAnswers)`;

/**
 * Makes trusted-only the jobs of the open queue holding @maxAnswers answers or more that a volunteer's lease passed
 * over: among its oldest @scan, those before the job leased (@before, its seq; null when none was). Left there, they
 * would take a slot of every volunteer's scan, and LEASE_SCAN_LIMIT of them at the head would leave every volunteer
 * idle (the twin of job-lib.lua's oldest_for). A range of the index up to the job leased: no row read when it is the
 * oldest, at most @scan otherwise (`@before IS NULL OR seq < @before` was no range: it read every open job after it).
 * Returns the ids marked, for the lease to tell (CappedJobs): none, at no cost, when it marked none.
 */
export const MARK_ANSWERS_FULL = `UPDATE jobs SET trusted_only = 1 WHERE id IN (
    SELECT id FROM jobs INDEXED BY jobs_open_queue WHERE status = 'queued' AND trusted_only = 0 AND seq < COALESCE(@before, ${Number.MAX_SAFE_INTEGER})
    ORDER BY seq LIMIT @scan
  ) AND ${answersFull('votes')} RETURNING id`;

/**
 * An attempt's condition that it is a vote once its done job is reopened (@jobId, its result the answer of
 * @resultIdentity): one already, or the finishing attempt with its own answer kept, or whose answer the result is. One
 * finished before finishers kept theirs, on another's answer, holds none to vote (the twin of reopen.lua's votes).
 */
const VOTES_WHEN_REOPENED = `job_id = @jobId AND (outcome = 'answered' OR (outcome = 'done' AND (answer IS NOT NULL OR identity = @resultIdentity)))`;

/**
 * A step of a backtracking walk: the next jobs the identity answered, after the last one the walk read, in the order
 * of its attempts' index (identity, job_id), each with its job as it is now (none once deleted): a step reads at most
 * @limit of them, however many jobs the store holds.
 */
export const ANSWERED_BY_SQL = `SELECT answered.job_id AS walked, jobs.* FROM (
    SELECT DISTINCT job_id FROM attempts WHERE identity = @identity AND job_id > @after AND outcome IN ('answered', 'done')
    ORDER BY job_id LIMIT @limit
  ) AS answered LEFT JOIN jobs ON jobs.id = answered.job_id
  ORDER BY answered.job_id`;

export function prepareStatements(db: Database.Database) {
  return {
    insertJob: db.prepare(
      `INSERT INTO jobs (id, status, file_name, content_type, size, submitted_at, queued_at, owner, trusted_only, prepared_type)
       VALUES (@id, 'queued', @fileName, @contentType, @size, @now, @now, @owner, @trustedOnly, @preparedType)`,
    ),
    idempotencyGet: db.prepare(`SELECT job_ids, request_digest FROM idempotency WHERE key = ? AND created_at > ?`),
    idempotencyPut: db.prepare(`INSERT OR REPLACE INTO idempotency (key, job_ids, created_at, request_digest) VALUES (?, ?, ?, ?)`),
    idempotencyForget: db.prepare(`DELETE FROM idempotency WHERE key IN (SELECT key FROM idempotency WHERE created_at <= ? ORDER BY created_at LIMIT ?)`),
    job: db.prepare(`SELECT * FROM jobs WHERE id = ?`),
    // Never a job this identity said cannot be processed, answered, answered with nonsense, or (a volunteer) failed
    // or dropped: that one waits for other identities. Never a trusted-only job to a volunteer, whose query
    // walks the open queue's index (sqlite-schema.ts), so private jobs waiting for the fleet cost its lease nothing,
    // nor one holding MAX_ANSWERS_PER_JOB answers. Among the oldest @scan only (LEASE_SCAN_LIMIT).
    oldestQueuedForTrusted: db.prepare(
      `SELECT * FROM (SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT @scan) AS jobs WHERE ${UNSHUNNED} ORDER BY seq LIMIT 1`,
    ),
    oldestQueuedForVolunteer: db.prepare(
      `SELECT * FROM (SELECT * FROM jobs INDEXED BY jobs_open_queue WHERE status = 'queued' AND trusted_only = 0 ORDER BY seq LIMIT @scan) AS jobs
       WHERE ${UNSHUNNED} AND ${NETWORK_MAY_VOTE} AND NOT ${answersFull('jobs.votes')} ORDER BY seq LIMIT 1`,
    ),
    markAnswersFull: db.prepare<{ before: number | null; scan: number; maxAnswers: number }, string>(MARK_ANSWERS_FULL).pluck(),
    lease: db.prepare(
      `UPDATE jobs SET status = 'leased', attempts = attempts + 1, started_at = ?, worker = ?, lease_id = ?,
       lease_worker = ?, lease_deadline = ?, lease_trusted = ?, error = NULL WHERE id = ? AND status = 'queued'`,
    ),
    insertAttempt: db.prepare(
      `INSERT INTO attempts (job_id, attempt, lease_id, worker_id, worker_name, backend, started_at, outcome, identity, trusted, network)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
    ),
    endAttempt: db.prepare(`UPDATE attempts SET ended_at = ?, outcome = ?, reason = ?, final = ? WHERE job_id = ? AND lease_id = ?`),
    // The finishing attempt keeps its worker's own answer when the result is another's (complete): null, it is the result's.
    endDone: db.prepare(`UPDATE attempts SET ended_at = ?, outcome = 'done', answer = ? WHERE job_id = ? AND lease_id = ?`),
    keepVote: db.prepare(`UPDATE attempts SET ended_at = ?, outcome = 'answered', answer = ? WHERE job_id = ? AND lease_id = ?`),
    votes: db.prepare(`SELECT identity, network, lease_id, answer FROM attempts WHERE job_id = ? AND outcome = 'answered' ORDER BY attempt`),
    // The vote a waiting job is settled on becomes the attempt that finished it, as complete makes it (settleWaiting).
    voteSettles: db.prepare(
      `UPDATE attempts SET outcome = 'done', answer = NULL WHERE job_id = ? AND identity = ? AND outcome = 'answered' RETURNING worker_name`,
    ),
    settledBy: db.prepare(`UPDATE jobs SET worker = ? WHERE id = ?`),
    answeredBy: db.prepare(ANSWERED_BY_SQL),
    // Whether a done job, reopened, would hold MAX_ANSWERS_PER_JOB answers: with no trusted worker connected, it stays
    // done instead (sqlite-backtracking.ts).
    fullWhenReopened: db
      .prepare<{ jobId: string; resultIdentity: string | null; maxAnswers: number }, number>(
        `SELECT ${answersFull(`(SELECT COUNT(*) FROM attempts WHERE ${VOTES_WHEN_REOPENED})`)}`,
      )
      .pluck(),
    // The finishing attempt votes its own answer: the one it kept, else the result's, if it is its identity's. One
    // finished before finishers kept theirs, on another's answer, holds none to vote: it stays as it was.
    doneToVote: db.prepare(`UPDATE attempts SET outcome = 'answered', answer = COALESCE(answer, @result) WHERE outcome = 'done' AND ${VOTES_WHEN_REOPENED}`),
    // A job reopened holding MAX_ANSWERS_PER_JOB answers goes to trusted workers only (a trusted worker is connected).
    reopen: db.prepare(
      `UPDATE jobs SET status = 'queued', queued_at = @now, result = NULL, finished_at = NULL, worker = NULL, error = @error, votes = ${VOTES_HELD},
       trusted_only = MAX(trusted_only, ${answersFull(VOTES_HELD)}) WHERE id = @jobId AND status = 'done'`,
    ),
    attempts: db.prepare(`SELECT * FROM attempts WHERE job_id = ? ORDER BY attempt`),
    finish: db.prepare(
      `UPDATE jobs SET status = ?, finished_at = ?, result = ?, error = ?, failures = ?,
       lease_id = NULL, lease_worker = NULL, lease_deadline = NULL, lease_trusted = NULL WHERE id = ?`,
    ),
    requeue: db.prepare(
      `UPDATE jobs SET status = 'queued', queued_at = ?, failures = ?, lease_id = NULL, lease_worker = NULL, lease_deadline = NULL, lease_trusted = NULL,
       worker = NULL, error = ?, trusted_only = MAX(trusted_only, ?) WHERE id = ?`,
    ),
    // Trusted-only if asked, or once the job holds MAX_ANSWERS_PER_JOB answers, whatever the caller asked.
    requeueForReplica: db.prepare(
      `UPDATE jobs SET status = 'queued', queued_at = @now, lease_id = NULL, lease_worker = NULL, lease_deadline = NULL, lease_trusted = NULL, worker = NULL,
       error = NULL, trusted_only = MAX(trusted_only, @trustedOnly, ${answersFull(VOTES_HELD)}), votes = ${VOTES_HELD} WHERE id = @jobId`,
    ),
    expired: db.prepare(`SELECT id AS jobId, lease_id AS leaseId FROM jobs WHERE status = 'leased' AND lease_deadline <= ?`),
    active: db.prepare(`SELECT id AS jobId, lease_id AS leaseId FROM jobs WHERE status = 'leased'`),
    retry: db.prepare(
      `UPDATE jobs SET status = 'queued', queued_at = ?, attempts = 0, failures = 0, error = NULL, finished_at = NULL, started_at = NULL,
       worker = NULL, result = NULL, votes = 0 WHERE id = ?`,
    ),
    deleteJob: db.prepare(`DELETE FROM jobs WHERE id = ?`),
    deleteAttempts: db.prepare(`DELETE FROM attempts WHERE job_id = ?`),
    counts: db.prepare(`SELECT status, n FROM job_counts`),
    pending: db.prepare(`SELECT SUM(n) FROM job_counts WHERE status IN ('queued', 'leased')`).pluck(),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
