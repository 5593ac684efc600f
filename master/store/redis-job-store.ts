// The Redis job store: several masters share one queue. Every transition is
// one Lua script (redis/*.lua), so fencing and the attempt rules apply
// atomically whichever master runs them; reads are plain commands. Times are
// the master's clock (the `now` arguments), never Redis's, as in sqlite.
import { randomUUID } from 'node:crypto';
import { RedisImageStore } from '../images/redis-image-store.ts';
import { JOB_STATUSES, type JobDetailView, type JobPage, type JobResult, type JobStatus, type JobView } from '../api-types.ts';
import type {
  CreateResult,
  JobStore,
  Lease,
  LeaseRef,
  Limits,
  ListQuery,
  NewJob,
  RejectReason,
  Reopened,
  StatusCounts,
  Transition,
  Vote,
  WorkerRef,
} from './job-store.ts';
import type { EndedWithoutResult } from './attempt-rules.ts';
import { answerOf, leanedOn, toAttemptView, toView, withdrawn } from './job-views.ts';
import { jobScripts, type LuaScript, type RedisClient, type ScriptArg } from './redis/lua-scripts.ts';
import { createRedisClient, describeTarget, execBatch, reachRedis, type RedisTarget } from './redis/redis-connection.ts';
import { RedisKeys } from './redis/redis-keys.ts';
import { attemptRows, jobRow } from './redis/redis-rows.ts';
import { idempotencyScope, requestDigest } from './request-digest.ts';
import { IdempotencyKeyReusedError, QueueFullError, StoreUnavailableError } from './store-errors.ts';

export interface RedisJobStoreOptions {
  /** One Redis ({url: 'redis://127.0.0.1:6379/0'}) or a Redis Cluster ({clusterNodes}). */
  target: RedisTarget;
  limits: Limits;
  /** Prefix of every key; masters that share it share their jobs. Default `grid:`. */
  keyPrefix?: string;
  /** A command slower than this fails with StoreUnavailableError. Default 5000. */
  commandTimeoutMs?: number;
}

export type AvailabilityListener = (available: boolean) => void;

type TransitionReply = [RejectReason] | ['ok', string];

const viewOf = (json: string | Buffer): JobView => toView(jobRow(json));

/** Done jobs read per batch when reopening an identity's (reopenAnsweredBy). */
const SCAN_BATCH = 500;

/** Jobs removed per clear script, so a large store never blocks Redis for long. */
const CLEAR_BATCH = 500;

/** Ended jobs indexed per script when a store written before retention is first opened. */
const INDEX_BATCH = 500;

export class RedisJobStore implements JobStore {
  private readonly keys: RedisKeys;
  private readonly images: RedisImageStore;
  /** Every key, handed to every script. */
  private readonly allKeys: string[];
  private readonly availabilityListeners = new Set<AvailabilityListener>();
  private isAvailable = false;

  /** Connects, failing with StoreUnavailableError if Redis cannot be reached now; afterwards it reconnects by itself. */
  static async connect({ target, limits, keyPrefix = 'grid:', commandTimeoutMs = 5_000 }: RedisJobStoreOptions): Promise<RedisJobStore> {
    const store = new RedisJobStore(createRedisClient(target, commandTimeoutMs), keyPrefix, limits);
    try {
      await store.redis.connect();
    } catch (error) {
      store.redis.disconnect();
      throw new StoreUnavailableError(`cannot reach Redis at ${describeTarget(target)}`, { cause: error });
    }
    try {
      await store.indexEndedJobs();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    private readonly limits: Limits,
  ) {
    this.keys = new RedisKeys(keyPrefix);
    this.allKeys = this.keys.all();
    this.images = new RedisImageStore(redis, this.keys);
    // Connection errors reach callers as StoreUnavailableError and listeners as availability.
    redis.on('error', () => {});
    redis.on('ready', () => this.setAvailable(true));
    redis.on('close', () => this.setAvailable(false));
  }

  /** Whether Redis is connected now. */
  get available(): boolean {
    return this.isAvailable;
  }

  /** Calls `listener` whenever Redis goes away or comes back (e.g. to pump the queue again); returns an unsubscribe. */
  onAvailabilityChange(listener: AvailabilityListener): () => void {
    this.availabilityListeners.add(listener);
    return () => this.availabilityListeners.delete(listener);
  }

  async create(jobs: NewJob[], now: number, idempotencyKey?: string, owner?: string): Promise<CreateResult> {
    const digest = idempotencyKey ? await requestDigest(jobs) : '';
    const scopedKey = idempotencyKey === undefined ? '' : idempotencyScope(owner, idempotencyKey);
    const ids = jobs.map(() => randomUUID());
    await this.images.put(jobs.map((job, i) => ({ jobId: ids[i]!, file: job.image, ...(job.prepared && { prepared: job.prepared.bytes }) })));
    const args: ScriptArg[] = [now, scopedKey, this.limits.idempotencyTtlMs, this.limits.maxPendingJobs, digest, owner ?? ''];
    for (const [i, job] of jobs.entries()) args.push(ids[i]!, job.fileName, job.contentType, job.trustedOnly ? 1 : 0, job.prepared?.contentType ?? '');
    const keys = [...ids.map((id) => this.keys.incoming(id)), ...ids.map((id) => this.keys.incomingPrepared(id))];
    // A create whose reply is lost may have applied: its images are left to expire, never deleted here.
    const [outcome, created] = (await this.run(jobScripts.create, args, { keys })) as [
      'created' | 'replayed' | 'queue-full' | 'key-reused' | 'image-expired',
      string[],
    ];
    if (outcome !== 'created') await this.images.delete(ids);
    if (outcome === 'queue-full') throw new QueueFullError(this.limits.maxPendingJobs);
    if (outcome === 'key-reused') throw new IdempotencyKeyReusedError();
    if (outcome === 'image-expired') throw new StoreUnavailableError('an uploaded image expired in Redis before its job was created; send the request again');
    return { jobs: created.map(viewOf), replayed: outcome === 'replayed' };
  }

  async lease(workers: WorkerRef[], leaseMs: number, now: number): Promise<(Lease | null)[]> {
    const args: ScriptArg[] = [now, now + leaseMs];
    for (const worker of workers) args.push(randomUUID(), worker.id, worker.name, worker.backend, worker.identity, worker.workerClass === 'trusted' ? 1 : 0);
    const made = (await this.run(jobScripts.lease, args, { buffers: true })) as ([Buffer, Buffer, number] | [])[];
    return workers.map((_, i) => {
      if (!made[i] || made[i].length === 0) return null;
      const [json, image, prepared] = made[i];
      const row = jobRow(json);
      return {
        jobId: row.id,
        leaseId: row.lease_id!,
        attempt: row.attempts,
        deadline: row.lease_deadline!,
        contentType: prepared === 1 ? row.prepared_type! : row.content_type,
        image,
        job: toView(row),
      };
    });
  }

  async complete(lease: LeaseRef, workerId: string, result: JobResult, now: number): Promise<Transition> {
    const args = [lease.jobId, lease.leaseId, workerId, JSON.stringify(result), now];
    return this.transition(await this.run(jobScripts.complete, args));
  }

  async vote(lease: LeaseRef, workerId: string, answer: JobResult, trustedOnly: boolean, now: number): Promise<Transition> {
    const args = [lease.jobId, lease.leaseId, workerId, JSON.stringify(answer), trustedOnly ? 1 : 0, now];
    return this.transition(await this.run(jobScripts.vote, args));
  }

  async votes(jobId: string): Promise<Vote[]> {
    const attempts = attemptRows(await reachRedis(() => this.redis.hget(this.keys.attempts, jobId)));
    return attempts
      .filter((attempt) => attempt.outcome === 'answered' && attempt.answer !== null)
      .map((attempt) => ({ identity: attempt.identity, answer: JSON.parse(attempt.answer!) as JobResult }));
  }

  async reopenAnsweredBy(identity: string, reason: string, unverifiedReason: string): Promise<Reopened> {
    const changed: Reopened = { reopened: [], unverified: [] };
    // Walks the done jobs by submission number, so those reopened on the way (they leave the set) shift nothing.
    for (let after = '-inf'; ;) {
      const found = await reachRedis(() => this.redis.zrangebyscore(this.keys.byStatus.done, after, '+inf', 'WITHSCORES', 'LIMIT', 0, SCAN_BATCH));
      if (found.length === 0) return changed;
      const ids = found.filter((_, i) => i % 2 === 0);
      after = `(${found[found.length - 1]}`;
      const jobs = (await reachRedis(() => this.redis.hmget(this.keys.jobs, ...ids))).filter((json): json is string => json !== null).map(viewOf);
      for (const job of jobs.filter((done) => leanedOn(done.result, identity))) {
        // The script decides, atomically, between reopening and (its image expired) withdrawing the verification.
        const args = [job.id, JSON.stringify(answerOf(job.result!)), reason, JSON.stringify(withdrawn(job.result!, unverifiedReason))];
        const reply = (await this.run(jobScripts.reopen, args)) as ['reopened' | 'unverified', string] | null;
        if (reply) changed[reply[0]].push(viewOf(reply[1]));
      }
    }
  }

  fail(lease: LeaseRef, workerId: string, reason: string, retryable: boolean, now: number): Promise<Transition> {
    return this.endWithoutResult(lease, workerId, 'failed', reason, retryable, now);
  }

  refuse(lease: LeaseRef, workerId: string, reason: string, now: number): Promise<Transition> {
    return this.endWithoutResult(lease, workerId, 'refused', reason, true, now);
  }

  release(lease: LeaseRef, outcome: 'lost' | 'expired' | 'recovered', reason: string, now: number): Promise<Transition> {
    return this.endWithoutResult(lease, '', outcome, reason, true, now);
  }

  expiredLeases(now: number): Promise<LeaseRef[]> {
    return this.leasesDueBy(now);
  }

  activeLeases(): Promise<LeaseRef[]> {
    return this.leasesDueBy('+inf');
  }

  async retry(jobId: string): Promise<JobView | null> {
    const json = (await this.run(jobScripts.retry, [jobId])) as string | null;
    return json ? viewOf(json) : null;
  }

  async remove(jobId: string): Promise<{ removed: boolean; lease: LeaseRef | null }> {
    const [removed, leaseId] = (await this.run(jobScripts.remove, [jobId])) as [number, string];
    return { removed: removed === 1, lease: leaseId ? { jobId, leaseId } : null };
  }

  async clear(): Promise<{ ids: string[]; leases: LeaseRef[] }> {
    const removed: [string, string][] = [];
    for (let done = 0; !done;) {
      let batch: [string, string][];
      [batch, done] = (await this.run(jobScripts.clear, [CLEAR_BATCH])) as [[string, string][], number];
      removed.push(...batch);
    }
    const leases = removed.filter(([, leaseId]) => leaseId).map(([jobId, leaseId]) => ({ jobId, leaseId }));
    return { ids: removed.map(([id]) => id), leases };
  }

  async expireImages(endedBy: number, now: number, batch: number): Promise<JobView[]> {
    return ((await this.run(jobScripts.expireImages, [endedBy, now, batch])) as string[]).map(viewOf);
  }

  async expireJobs(endedBy: number, batch: number): Promise<string[]> {
    return (await this.run(jobScripts.expireJobs, [endedBy, batch])) as string[];
  }

  async get(jobId: string): Promise<JobView | null> {
    const json = await reachRedis(() => this.redis.hget(this.keys.jobs, jobId));
    return json === null ? null : viewOf(json);
  }

  async getDetail(jobId: string): Promise<JobDetailView | null> {
    const batch = this.redis.multi().hget(this.keys.jobs, jobId).hget(this.keys.attempts, jobId);
    const [json, attempts] = (await execBatch(batch)) as [string | null, string | null];
    if (json === null) return null;
    return { ...viewOf(json), timeline: attemptRows(attempts).map(toAttemptView) };
  }

  async image(jobId: string): Promise<{ contentType: string; bytes: Uint8Array } | null> {
    const json = await reachRedis(() => this.redis.hget(this.keys.jobs, jobId));
    const bytes = json === null ? null : await this.images.get(jobId);
    return json !== null && bytes ? { contentType: jobRow(json).content_type, bytes } : null;
  }

  /** Newest first; the cursor is the submission number of the last job on the previous page. */
  async list({ status, owner, limit, cursor }: ListQuery): Promise<JobPage> {
    const found = owner === undefined ? await this.newest(status, limit + 1, cursor) : await this.newestOf(owner, status, limit + 1, cursor);
    const page = found.slice(0, limit);
    const replies = page.length ? await reachRedis(() => this.redis.hmget(this.keys.jobs, ...page.map(({ id }) => id))) : [];
    // A job removed between the two reads is left out.
    const jobs = replies.filter((json): json is string => json !== null);
    const nextCursor = found.length > limit ? page[page.length - 1]!.seq : null;
    return { jobs: jobs.map(viewOf), nextCursor };
  }

  /** Up to `count` jobs, newest first, submitted before the cursor. */
  private async newest(status: JobStatus | undefined, count: number, cursor: string | undefined): Promise<{ id: string; seq: string }[]> {
    const newest = cursor ? `(${cursor}` : '+inf';
    const found = await reachRedis(() => this.redis.zrevrangebyscore(this.keys.list(status), newest, '-inf', 'WITHSCORES', 'LIMIT', 0, count));
    const jobs: { id: string; seq: string }[] = [];
    for (let i = 0; i < found.length; i += 2) jobs.push({ id: found[i]!, seq: found[i + 1]! });
    return jobs;
  }

  /** The same from one owner's index (redis-keys.ts): its members sort as "owner:[status:]seq:id". */
  private async newestOf(owner: string, status: JobStatus | undefined, count: number, cursor: string | undefined): Promise<{ id: string; seq: string }[]> {
    const prefix = status ? `${owner}:${status}:` : `${owner}:`;
    // Below every member of seq cursor and above (they extend it), above every other member of the range.
    const newest = cursor ? `(${prefix}${cursor.padStart(16, '0')}` : `(${prefix};`;
    const key = status ? this.keys.byOwnerStatus : this.keys.byOwner;
    const members = await reachRedis(() => this.redis.zrevrangebylex(key, newest, `(${prefix}`, 'LIMIT', 0, count));
    return members.map((member) => {
      const [seq, id] = member.slice(prefix.length).split(':') as [string, string];
      return { id, seq: String(Number(seq)) };
    });
  }

  async counts(): Promise<StatusCounts> {
    const batch = this.redis.pipeline();
    for (const status of JOB_STATUSES) batch.zcard(this.keys.byStatus[status]);
    const sizes = (await execBatch(batch)) as number[];
    return Object.fromEntries(JOB_STATUSES.map((status, i) => [status, sizes[i]])) as StatusCounts;
  }

  async ping(): Promise<void> {
    await reachRedis(() => this.redis.ping());
  }

  async close(): Promise<void> {
    this.availabilityListeners.clear();
    try {
      await this.redis.quit();
    } catch {
      // Redis is away: nothing to say goodbye to.
      this.redis.disconnect();
    }
  }

  /** Runs a script with every key of the store, and any of a job's own (`keys`) after them. */
  private run(script: LuaScript, args: ScriptArg[], { buffers = false, keys: jobKeys = [] as string[] } = {}): Promise<unknown> {
    const keys = jobKeys.length ? [...this.allKeys, ...jobKeys] : this.allKeys;
    return reachRedis(() => (buffers ? script.runForBuffers(this.redis, keys, args) : script.run(this.redis, keys, args)));
  }

  /** A store written before retention: its ended jobs join retention's sets once (index-ended.lua), then a key says so. */
  private async indexEndedJobs(): Promise<void> {
    if (await reachRedis(() => this.redis.exists(this.keys.retentionIndexed))) return;
    for (const status of ['done', 'failed']) {
      let from = '-inf';
      for (;;) {
        const last = (await this.run(jobScripts.indexEnded, [status, from, INDEX_BATCH])) as string;
        if (last === '') break;
        from = `(${last}`;
      }
    }
    await reachRedis(() => this.redis.set(this.keys.retentionIndexed, '1'));
  }

  private async endWithoutResult(
    lease: LeaseRef,
    workerId: string,
    outcome: EndedWithoutResult,
    reason: string,
    retryable: boolean,
    now: number,
  ): Promise<Transition> {
    const { maxAttempts, maxLeases, failureQuorum } = this.limits;
    const args = [lease.jobId, lease.leaseId, workerId, outcome, reason, retryable ? 1 : 0, now, maxAttempts, maxLeases, failureQuorum];
    return this.transition(await this.run(jobScripts.endWithoutResult, args));
  }

  private transition(reply: unknown): Transition {
    const [tag, json] = reply as TransitionReply;
    return tag === 'ok' ? { applied: true, job: viewOf(json!) } : { applied: false, reason: tag };
  }

  private async leasesDueBy(deadline: number | '+inf'): Promise<LeaseRef[]> {
    const flat = (await this.run(jobScripts.leasesDue, [deadline])) as string[];
    const leases: LeaseRef[] = [];
    for (let i = 0; i < flat.length; i += 2) leases.push({ jobId: flat[i]!, leaseId: flat[i + 1]! });
    return leases;
  }

  private setAvailable(available: boolean): void {
    if (available === this.isAvailable) return;
    this.isAvailable = available;
    for (const listener of this.availabilityListeners) listener(available);
  }
}
