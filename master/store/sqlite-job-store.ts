// The embedded job store: SQLite (better-sqlite3) in WAL mode, one file under the data directory, no server. Each
// transition is atomic (a savepoint inside a group commit, sqlite-group-commit.ts). Images are files beside it
// (master/images/file-image-store.ts): put before the rows that name them are committed, deleted after those rows are.
// A job's prepared_type says it has a prepared image, which workers receive instead of the original.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { JobDetailView, JobPage, JobResult, JobStatus, JobView } from '../api-types.ts';
import { allOrFirstFailure } from '../all-or-first-failure.ts';
import { DEFAULT_MAX_UNDELETED_IMAGES, FileImageStore } from '../images/file-image-store.ts';
import { createLogger, type Logger } from '../log.ts';
import { afterAttempt, finalError, WAITS_FOR_TRUSTED, type EndedWithoutResult } from './attempt-rules.ts';
import type {
  Backtracking,
  CreateResult,
  JobStore,
  Lease,
  Leased,
  LeaseRef,
  Limits,
  ListQuery,
  NewJob,
  Cleared,
  Reopened,
  DueLease,
  Retried,
  StatusCounts,
  Transition,
  Vote,
  WorkerRef,
  CappedJobs,
} from './job-store.ts';
import { toAttemptFacts, toAttemptView, toView, type AttemptRow, type JobRow } from './job-views.ts';
import { SqliteRetention } from './sqlite-retention.ts';
import { reopenStep } from './sqlite-backtracking.ts';
import { releaseUnsent } from './unsent-leases.ts';
import { prepareStatements, type Statements } from './sqlite-statements.ts';
import { migrate } from './sqlite-schema.ts';
import { openSqlite, unopenable } from './sqlite-file.ts';
import { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { createRows } from './sqlite-create.ts';
import { listJobs } from './sqlite-job-list.ts';
import { jobToLease, oldestFor } from './sqlite-lease-scan.ts';
import { moveImagesOutOfDatabase } from './sqlite-image-migration.ts';
import { idempotencyScope, requestDigest } from './request-digest.ts';

/** A vote as the votes statement reads it. */
interface VoteRow {
  identity: string;
  network: string | null;
  lease_id: string;
  answer: string;
}

/** A lease as written, before its image is read: with the prepared image's content type, when the job has one. */
type WrittenLease = Omit<Lease, 'image'> & { preparedType: string | null };

export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;
  private readonly images: FileImageStore;
  private readonly q: Statements;
  private readonly retention: SqliteRetention;
  private readonly commits: SqliteGroupCommit;

  /** `log`: where an image file that could not be deleted is warned of; `maxUndeletedImages`: how many are remembered (file-image-store.ts). */
  constructor(
    dataDir: string,
    private readonly limits: Limits,
    log: Logger = createLogger('silent'),
    maxUndeletedImages = DEFAULT_MAX_UNDELETED_IMAGES,
  ) {
    fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'jobs.sqlite');
    this.db = openSqlite(file);
    try {
      // Transitions are synced lazily: losing the last few to a power cut only
      // redoes work (a lease reverts and is recovered). Uploads and retries are synced at once.
      this.db.pragma('synchronous = NORMAL');
      migrate(this.db);
      this.retention = new SqliteRetention(this.db);
      this.images = new FileImageStore(path.join(dataDir, 'images'), log, maxUndeletedImages);
      moveImagesOutOfDatabase(this.db, this.images);
      this.q = prepareStatements(this.db);
      this.commits = new SqliteGroupCommit(this.db, 'jobs.sqlite');
      // Files left by a crash between putting images and committing their jobs, or between removing jobs (or expiring
      // their images) and their files.
      this.images.sweepSync((jobId) => this.retention.imageKept(jobId));
    } catch (error) {
      this.db.close();
      throw unopenable(error, file);
    }
  }

  async create(jobs: NewJob[], now: number, idempotencyKey?: string, owner?: string): Promise<CreateResult> {
    const scopedKey = idempotencyKey === undefined ? undefined : idempotencyScope(owner, idempotencyKey);
    const digest = scopedKey ? await requestDigest(jobs) : null;
    const ids = jobs.map(() => randomUUID());
    // Refused before the uploads are moved in: once closing, the write would be refused and the files deleted again.
    this.commits.refuseIfClosing();
    let created: CreateResult;
    try {
      await this.images.put(jobs.map((job, i) => ({ jobId: ids[i]!, file: job.image, ...(job.prepared && { prepared: job.prepared.bytes }) })));
      const rows = { jobs, ids, now, idempotencyKey: scopedKey, digest, owner };
      created = await this.commits.write(() => createRows(this.q, this.limits, rows), { durable: true });
    } catch (error) {
      // The create's own failure is the one to tell (a full disk, say); a file the delete cannot remove now has no
      // row, and is tried again at the next retention step.
      await this.images.delete(ids);
      throw error;
    }
    if (created.replayed) await this.images.delete(ids);
    return created;
  }

  async lease(workers: WorkerRef[], leaseMs: number, now: number, capped?: CappedJobs): Promise<(Leased | null)[]> {
    const { leased, cappedJobs } = await this.commits.write(() => {
      const cappedJobs: JobView[] = [];
      const leased = workers.map((worker) => this.leaseOne(worker, leaseMs, now, cappedJobs));
      return { leased, cappedJobs };
    });
    if (cappedJobs.length > 0) capped?.(cappedJobs);
    try {
      return await allOrFirstFailure(leased.map((lease) => lease && this.withImage(lease)));
    } catch (error) {
      // No worker gets any of these leases: they go back to the queue now, not after LEASE_MS as expired attempts.
      await releaseUnsent(this, leased, error, now);
      throw error;
    }
  }

  async openTo(workers: WorkerRef[]): Promise<boolean[]> {
    return this.commits.read(() => workers.map((worker) => oldestFor(this.q, this.limits, worker) !== undefined));
  }

  complete(lease: LeaseRef, workerId: string, result: JobResult, now: number, answer?: JobResult): Promise<Transition> {
    return this.commits.write((): Transition => {
      const row = this.fenced(lease, workerId);
      if ('reason' in row) return { applied: false, reason: row.reason };
      this.q.endDone.run(now, answer ? JSON.stringify(answer) : null, lease.jobId, lease.leaseId);
      this.q.finish.run('done', now, JSON.stringify(result), null, row.failures, lease.jobId);
      return { applied: true, job: this.view(lease.jobId)! };
    });
  }

  vote(lease: LeaseRef, workerId: string, answer: JobResult, trustedOnly: boolean, now: number): Promise<Transition> {
    return this.commits.write((): Transition => {
      const row = this.fenced(lease, workerId);
      if ('reason' in row) return { applied: false, reason: row.reason };
      this.q.keepVote.run(now, JSON.stringify(answer), lease.jobId, lease.leaseId);
      this.q.requeueForReplica.run({ now, trustedOnly: trustedOnly ? 1 : 0, maxAnswers: this.limits.maxAnswersPerJob, jobId: lease.jobId });
      return { applied: true, job: this.view(lease.jobId)! };
    });
  }

  settleWaiting(jobId: string, votesSeen: readonly string[], result: JobResult, now: number): Promise<Transition> {
    return this.commits.write((): Transition => {
      const row = this.q.job.get(jobId) as JobRow | undefined;
      if (!row) return { applied: false, reason: 'unknown-job' };
      // Only on exactly the votes decided on, which it holds now: not on none, nor on others come since.
      const held = (this.q.votes.all(jobId) as VoteRow[]).map((vote) => vote.lease_id);
      if (row.status !== 'queued' || votesSeen.length < 1 || held.join(' ') !== votesSeen.join(' ')) return { applied: false, reason: 'stale-lease' };
      const settler = this.q.voteSettles.get(jobId, result.workerId ?? '') as { worker_name: string } | undefined;
      if (!settler) return { applied: false, reason: 'stale-lease' };
      this.q.finish.run('done', now, JSON.stringify(result), null, row.failures, jobId);
      this.q.settledBy.run(settler.worker_name, jobId);
      return { applied: true, job: this.view(jobId)! };
    });
  }

  async votes(jobId: string): Promise<Vote[]> {
    const rows = this.commits.read(() => this.q.votes.all(jobId) as VoteRow[]);
    return rows.map((row) => ({ identity: row.identity, network: row.network, leaseId: row.lease_id, answer: JSON.parse(row.answer) as JobResult }));
  }

  /**
   * A transaction a step, each synced before the next: the identity store clears the backtracking owed once the walk
   * resolves, and a power cut must not keep that and lose jobs reopened (they would stay done on a liar's word, with
   * nothing owed to walk again).
   */
  async reopenAnsweredBy(identity: string, walk: Backtracking, told: (step: Reopened) => void): Promise<void> {
    const parts = { q: this.q, limits: this.limits, retention: this.retention, view: (id: string) => this.view(id) };
    for (let after: string | undefined = ''; after !== undefined; await new Promise((resolve) => setImmediate(resolve))) {
      const from: string = after;
      const step = await this.commits.write(() => reopenStep(parts, identity, from, walk), { durable: true });
      if (step.walked.reopened.length > 0 || step.walked.unverified.length > 0) told(step.walked);
      after = step.next;
    }
  }

  fail(lease: LeaseRef, workerId: string, reason: string, retryable: boolean, now: number): Promise<Transition> {
    return this.commits.write((): Transition => {
      const row = this.fenced(lease, workerId);
      if ('reason' in row) return { applied: false, reason: row.reason };
      return this.endWithoutResult(row, 'failed', reason, retryable, now);
    });
  }

  refuse(lease: LeaseRef, workerId: string, reason: string, now: number): Promise<Transition> {
    return this.commits.write((): Transition => {
      const row = this.fenced(lease, workerId);
      if ('reason' in row) return { applied: false, reason: row.reason };
      return this.endWithoutResult(row, 'refused', reason, true, now);
    });
  }

  failForGood(lease: LeaseRef, reason: string, now: number): Promise<Transition> {
    return this.commits.write((): Transition => {
      const row = this.fenced(lease, null);
      if ('reason' in row) return { applied: false, reason: row.reason };
      return this.endWithoutResult(row, 'image-missing', reason, true, now);
    });
  }

  release(lease: LeaseRef, outcome: 'lost' | 'expired' | 'recovered', reason: string, now: number): Promise<Transition> {
    return this.commits.write((): Transition => {
      const row = this.fenced(lease, null);
      if ('reason' in row) return { applied: false, reason: row.reason };
      return this.endWithoutResult(row, outcome, reason, true, now);
    });
  }

  /** One master per store: every lease is its own, so none waits out the grace for another master's clock. */
  async expiredLeases(now: number): Promise<DueLease[]> {
    return this.commits.read(() => (this.q.expired.all(now) as LeaseRef[]).map((lease) => ({ ...lease, abandoned: false })));
  }

  async activeLeases(): Promise<LeaseRef[]> {
    return this.commits.read(() => this.q.active.all() as LeaseRef[]);
  }

  /** A retried job starts a fresh life (new attempt budget, new timeline); synced before the client is told, as an upload is. */
  async retry(jobId: string, now: number): Promise<Retried> {
    const hasImage = await this.images.has(jobId);
    return this.commits.write(
      (): Retried => {
        const row = this.q.job.get(jobId) as JobRow | undefined;
        if (!row) return { refused: 'not-found' };
        if (row.status !== 'failed') return { refused: 'not-failed' };
        if (row.image_expired_at !== null) return { refused: 'image-expired' };
        // Its image gone, it would only fail again at its next lease.
        if (!hasImage) return { refused: 'image-missing' };
        this.q.retry.run(now, jobId);
        this.q.deleteAttempts.run(jobId);
        return { job: this.view(jobId)! };
      },
      { durable: true },
    );
  }

  /** Rows first, synced (a power cut must not bring back a row whose image is gone), then the file. */
  async remove(jobId: string): Promise<{ removed: boolean; lease: LeaseRef | null }> {
    const removed = await this.commits.write(
      () => {
        const row = this.q.job.get(jobId) as JobRow | undefined;
        if (!row) return { removed: false, lease: null };
        this.q.deleteJob.run(jobId);
        this.q.deleteAttempts.run(jobId);
        const lease = row.status === 'leased' && row.lease_id ? { jobId, leaseId: row.lease_id } : null;
        return { removed: true, lease };
      },
      { durable: true },
    );
    if (removed.removed) await this.images.delete([jobId]);
    return removed;
  }

  /** As remove: rows first, synced, then the files. One transaction: `cleared` is filled once it commits. */
  async clear(cleared: Cleared = { ids: [], leases: [] }): Promise<Cleared> {
    const committed = await this.commits.write(
      () => {
        const rows = this.db.prepare(`SELECT id, status, lease_id FROM jobs`).all() as Pick<JobRow, 'id' | 'status' | 'lease_id'>[];
        this.db.exec(`DELETE FROM jobs; DELETE FROM attempts; DELETE FROM idempotency;`);
        const leases = rows.filter((r) => r.status === 'leased' && r.lease_id).map((r) => ({ jobId: r.id, leaseId: r.lease_id! }));
        return { ids: rows.map((r) => r.id), leases };
      },
      { durable: true },
    );
    cleared.ids.push(...committed.ids);
    cleared.leases.push(...committed.leases);
    await this.images.delete(committed.ids);
    return cleared;
  }

  /** Rows first, synced (a power cut must not bring back a row that keeps an image whose file is gone), then the files. */
  async expireImages(endedBy: number, now: number, batch: number): Promise<JobView[]> {
    // Retention's every step: the files a delete failed on (a disk error) are tried again, not left to the next open.
    await this.images.retryUndeleted();
    if (!this.commits.read(() => this.retention.anyDue('images', endedBy))) return [];
    const expired = await this.commits.write(() => this.retention.expireImages(endedBy, now, batch).map((id) => this.view(id)!), { durable: true });
    await this.images.delete(expired.map((job) => job.id));
    return expired;
  }

  forgetIdempotencyKeys(usedBy: number, batch: number): Promise<number> {
    return this.commits.write(() => this.q.idempotencyForget.run(usedBy, batch).changes, { durable: true });
  }

  /** As remove: rows first, synced, then the files. */
  async expireJobs(endedBy: number, batch: number): Promise<string[]> {
    if (!this.commits.read(() => this.retention.anyDue('jobs', endedBy))) return [];
    const ids = await this.commits.write(() => this.retention.expireJobs(endedBy, batch), { durable: true });
    await this.images.delete(ids);
    return ids;
  }

  async get(jobId: string): Promise<JobView | null> {
    return this.commits.read(() => this.view(jobId));
  }

  async getDetail(jobId: string): Promise<JobDetailView | null> {
    return this.commits.read(() => {
      const job = this.view(jobId);
      if (!job) return null;
      const timeline = (this.q.attempts.all(jobId) as AttemptRow[]).map(toAttemptView);
      return { ...job, timeline };
    });
  }

  async image(jobId: string): Promise<{ contentType: string; bytes: Uint8Array } | null> {
    const row = this.commits.read(() => this.q.job.get(jobId) as JobRow | undefined);
    const bytes = row ? await this.images.get(jobId) : null;
    return row && bytes ? { contentType: row.content_type, bytes } : null;
  }

  async list(query: ListQuery): Promise<JobPage> {
    return this.commits.read(() => listJobs(this.db, query));
  }

  async counts(): Promise<StatusCounts> {
    const counts: StatusCounts = { queued: 0, leased: 0, done: 0, failed: 0 };
    const rows = this.commits.read(() => this.q.counts.all() as { status: JobStatus; n: number }[]);
    for (const { status, n } of rows) counts[status] = n;
    return counts;
  }

  async ping(): Promise<void> {
    this.commits.read(() => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    await this.commits.close();
    this.db.close();
  }

  /** The lease written, with the original's content type, and the prepared image's if the job has one. */
  private leaseOne(worker: WorkerRef, leaseMs: number, now: number, capped: JobView[]): WrittenLease | null {
    // Each job its scan marks, as it left it (queued): a trusted worker later in this lease may take it.
    const row = jobToLease(this.q, this.limits, worker, (id) => capped.push(this.view(id)!));
    if (!row) return null;
    const leaseId = randomUUID();
    const deadline = now + leaseMs;
    const attempt = row.attempts + 1;
    const trusted = worker.workerClass === 'trusted' ? 1 : 0;
    this.q.lease.run(now, worker.name, leaseId, worker.id, deadline, trusted, row.id);
    this.q.insertAttempt.run(row.id, attempt, leaseId, worker.id, worker.name, worker.backend, now, worker.identity, trusted, worker.network ?? null);
    return { jobId: row.id, leaseId, attempt, deadline, contentType: row.content_type, preparedType: row.prepared_type, job: this.view(row.id)! };
  }

  /**
   * The lease with the image its worker gets: the prepared one; a job stored before images were prepared, its original;
   * none when both are gone. Null when the job was deleted meanwhile, its files with it: that is no image gone.
   */
  private async withImage({ preparedType, ...lease }: WrittenLease): Promise<Leased | null> {
    const prepared = preparedType === null ? null : await this.images.getPrepared(lease.jobId);
    if (prepared) return { ...lease, contentType: preparedType!, image: prepared };
    const image = await this.images.get(lease.jobId);
    if (image) return { ...lease, image };
    return 'reason' in this.fenced(lease, null) ? null : { ...lease, image: null };
  }

  private view(jobId: string): JobView | null {
    const row = this.q.job.get(jobId) as JobRow | undefined;
    return row ? toView(row) : null;
  }

  /** The job row if `lease` is its current lease (and held by `workerId`, when given). */
  private fenced(lease: LeaseRef, workerId: string | null): JobRow | { reason: 'unknown-job' | 'stale-lease' | 'not-your-lease' } {
    const row = this.q.job.get(lease.jobId) as JobRow | undefined;
    if (!row) return { reason: 'unknown-job' };
    if (row.status !== 'leased' || row.lease_id !== lease.leaseId) return { reason: 'stale-lease' };
    if (workerId !== null && row.lease_worker !== workerId) return { reason: 'not-your-lease' };
    return row;
  }

  /** 'image-missing' is the master's own verdict (failForGood): it fails the job whatever the attempt rules say, naming no worker. */
  private endWithoutResult(row: JobRow, outcome: EndedWithoutResult, reason: string, retryable: boolean, now: number): Transition {
    this.q.endAttempt.run(now, outcome, reason, outcome === 'failed' && !retryable ? 1 : 0, row.id, row.lease_id);
    const rows = this.q.attempts.all(row.id) as AttemptRow[];
    const next = afterAttempt(rows.map(toAttemptFacts), this.limits);
    if (outcome === 'image-missing') {
      this.q.finish.run('failed', now, null, reason, next.failures, row.id);
    } else if (next.status === 'failed') {
      this.q.finish.run('failed', now, null, finalError(rows.map(toAttemptView), this.limits.errorAttemptsShown), next.failures, row.id);
    } else {
      this.q.requeue.run(now, next.failures, next.trustedOnly ? `${reason}; ${WAITS_FOR_TRUSTED}` : reason, next.trustedOnly ? 1 : 0, row.id);
    }
    return { applied: true, job: this.view(row.id)! };
  }
}
