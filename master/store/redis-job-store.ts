// The Redis job store: several masters share one queue, split into partitions (redis/partitions.ts) that a Redis
// Cluster spreads over its nodes. Each partition keeps every guarantee on its own (redis/redis-partition.ts: one Lua
// script per transition); this file decides which partition a job or a request goes to, and reads across them. Times
// are the master's clock (the `now` arguments), never Redis's, as in sqlite.
import { randomUUID } from 'node:crypto';
import { type JobDetailView, type JobPage, type JobResult, type JobView } from '../api-types.ts';
import type {
  CreateResult,
  JobStore,
  DueLease,
  CappedJobs,
  Leased,
  LeaseRef,
  Limits,
  ListQuery,
  NewJob,
  Cleared,
  Reopened,
  Backtracking,
  Retried,
  StatusCounts,
  Transition,
  Vote,
  WorkerRef,
} from './job-store.ts';
import type { Logger } from '../log.ts';
import type { RedisClient } from './redis/lua-scripts.ts';
import { idIn, partitionOf, shareOf } from './redis/partitions.ts';
import { MasterPresence } from './redis/master-presence.ts';
import { claimPartitionCount } from './redis/partition-count.ts';
import { LeasablePartitions } from './redis/leasable-partitions.ts';
import { OlderJobsIndex } from './redis/older-jobs-index.ts';
import { anyAnswers, fromEveryReachable } from './redis/reachable-partitions.ts';
import { createRedisClient, DEFAULT_COMMAND_TIMEOUT_MS, describeTarget, reachRedis, type RedisTarget } from './redis/redis-connection.ts';
import { RedisPartition, type Listed } from './redis/redis-partition.ts';
import { idempotencyScope, requestDigest } from './request-digest.ts';
import { IdempotencyKeyReusedError, QueueFullError, StoreUnavailableError } from './store-errors.ts';
import { releaseUnsent } from './unsent-leases.ts';
import { Turns } from './redis/turns.ts';

export interface RedisJobStoreOptions {
  /** One Redis ({url: 'redis://127.0.0.1:6379/0'}) or a Redis Cluster ({clusterNodes}). */
  target: RedisTarget;
  limits: Limits;
  /** Prefix of every key; masters that share it share their jobs. Default `grid:`. */
  keyPrefix?: string;
  /** Partitions of the queue (QUEUE_PARTITIONS); fixed when the store is first used, every master must say the same. Default 1. */
  partitions?: number;
  /**
   * The partition this store's creates and leases ask first, then each call one further on. Default: one at random, so
   * masters started together do not all begin with the same; tests fix it to compare two stores call for call.
   */
  firstTurn?: number;
  /** A command slower than this fails with StoreUnavailableError. Default DEFAULT_COMMAND_TIMEOUT_MS. */
  commandTimeoutMs?: number;
  /** Where partitions out of reach at connect, and their indexing later (redis/older-jobs-index.ts), are told. */
  log?: Logger;
}

export type AvailabilityListener = (available: boolean) => void;

export class RedisJobStore implements JobStore {
  /** This master's id: its leases carry it, so that the others can requeue them if it dies (master-watch.ts). */
  readonly masterId = randomUUID();
  private readonly partitions: RedisPartition[];
  /** This master's presence among those sharing the store, for master-watch.ts. */
  readonly presence: MasterPresence;
  private readonly createTurns: Turns;
  private readonly leaseTurns: Turns;
  /** Which partitions leasing may take from: those indexed and in reach (redis/leasable-partitions.ts). */
  private readonly leasable: LeasablePartitions;
  private readonly olderJobs: OlderJobsIndex;
  private readonly availabilityListeners = new Set<AvailabilityListener>();
  private isAvailable = false;

  /**
   * Connects, failing with StoreUnavailableError if Redis cannot be reached now (afterwards it reconnects by itself),
   * and with PartitionCountMismatchError if the store was created with another number of partitions. On a cluster, a
   * node down fails it only if it holds a key claimPartitionCount reads: its partitions wait (redis/older-jobs-index.ts).
   */
  static async connect(options: RedisJobStoreOptions): Promise<RedisJobStore> {
    const { target, limits, keyPrefix = 'grid:', partitions = 1, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS, log } = options;
    const firstTurn = options.firstTurn ?? Math.floor(Math.random() * partitions);
    const store = new RedisJobStore(createRedisClient(target, commandTimeoutMs), keyPrefix, partitions, firstTurn, limits, log);
    try {
      await store.redis.connect();
    } catch (error) {
      store.redis.disconnect();
      throw new StoreUnavailableError(`cannot reach Redis at ${describeTarget(target)}`, { cause: error });
    }
    try {
      await claimPartitionCount(store.redis, keyPrefix, partitions);
      await store.olderJobs.atConnect();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    partitionCount: number,
    firstTurn: number,
    private readonly limits: Limits,
    log: Logger | undefined,
  ) {
    const share = { ...limits, maxPendingJobs: shareOf(limits.maxPendingJobs, partitionCount) };
    this.partitions = Array.from({ length: partitionCount }, (_, i) => new RedisPartition(redis, keyPrefix, i, partitionCount, share));
    this.presence = new MasterPresence(redis, keyPrefix, this.masterId, this.partitions);
    this.createTurns = new Turns(partitionCount, firstTurn);
    this.leaseTurns = new Turns(partitionCount, firstTurn);
    this.leasable = new LeasablePartitions(this.partitions);
    this.olderJobs = new OlderJobsIndex(this.partitions, this.leasable, log);
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

  /**
   * A request's jobs all go to one partition, so that it is created or refused in one atomic step: the partition of
   * its idempotency key (a retry finds it there), or else the next in turn, then the others while those are full.
   */
  async create(jobs: NewJob[], now: number, idempotencyKey?: string, owner?: string): Promise<CreateResult> {
    const digest = idempotencyKey ? await requestDigest(jobs) : '';
    const scopedKey = idempotencyKey === undefined ? '' : idempotencyScope(owner, idempotencyKey);
    const count = this.partitions.length;
    const candidates = scopedKey ? [partitionOf(scopedKey, count)] : this.createTurns.take();
    // One counter numbers every partition's jobs, so lists read across partitions come out in submission order. With
    // one partition its create script counts, skipping no number for a replay or a refusal, as sqlite does.
    const firstSeq = count === 1 ? null : (await reachRedis(() => this.redis.incrby(this.partitions[0]!.keys.seq, jobs.length))) - jobs.length + 1;
    for (const p of candidates) {
      const ids = jobs.map(() => idIn(p, count));
      const { outcome, jobs: created } = await this.partitions[p]!.create(ids, jobs, firstSeq, now, scopedKey, digest, owner);
      if (outcome === 'queue-full') continue;
      if (outcome === 'key-reused') throw new IdempotencyKeyReusedError();
      if (outcome === 'image-expired') throw new StoreUnavailableError('an uploaded image expired in Redis before its job was created; send the request again');
      return { jobs: created, replayed: outcome === 'replayed' };
    }
    throw new QueueFullError(this.limits.maxPendingJobs);
  }

  /**
   * FIFO within a partition; the partitions take turns at being asked first, and workers left without a job ask the
   * next. A partition out of reach (its cluster node is down or hangs) is passed over, unless every one is: its jobs
   * wait. So is one whose older jobs are not yet indexed (redis/leasable-partitions.ts).
   */
  async lease(workers: WorkerRef[], leaseMs: number, now: number, capped?: CappedJobs): Promise<(Leased | null)[]> {
    const leases: (Leased | null)[] = workers.map(() => null);
    let waiting = workers.map((_, i) => i);
    let unreachable: StoreUnavailableError | null = null;
    let reached = 0;
    for (const p of await this.leasable.toLeaseFrom(this.leaseTurns.take())) {
      let made: (Leased | null)[];
      const asking = waiting.map((i) => workers[i]!);
      try {
        made = await this.partitions[p]!.lease(asking, leaseMs, now, this.masterId, capped);
        reached++;
      } catch (error) {
        this.leasable.failed(p, error);
        // Passed over. If its script ran late, the partition puts back what it leased (RedisPartition.lease); a lease
        // whose reply was lost with the connection is requeued at its deadline as any expired lease.
        if (error instanceof StoreUnavailableError) {
          unreachable = error;
          continue;
        }
        // An answer that is an error (not an outage) fails the call: what earlier partitions leased goes back.
        await releaseUnsent(this, leases, error, now);
        throw error;
      }
      made.forEach((lease, k) => {
        if (lease) leases[waiting[k]!] = lease;
      });
      waiting = waiting.filter((_, k) => !made[k]);
      if (waiting.length === 0) break;
    }
    if (reached === 0 && unreachable) throw unreachable;
    return leases;
  }

  /** Whether lease would find each worker a job in some partition now. A partition out of reach is passed over, unless every one is. */
  async openTo(workers: WorkerRef[], capped?: CappedJobs): Promise<boolean[]> {
    const open = workers.map(() => false);
    let unreachable: StoreUnavailableError | null = null;
    let reached = 0;
    for (const p of await this.leasable.toLeaseFrom(this.partitions.map((_, i) => i))) {
      try {
        (await this.partitions[p]!.openTo(workers, capped)).forEach((found, i) => (open[i] ||= found));
        reached++;
        if (open.every(Boolean)) break;
      } catch (error) {
        this.leasable.failed(p, error);
        if (!(error instanceof StoreUnavailableError)) throw error;
        unreachable = error;
      }
    }
    if (reached === 0 && unreachable) throw unreachable;
    return open;
  }

  complete(lease: LeaseRef, workerId: string, result: JobResult, now: number, answer?: JobResult): Promise<Transition> {
    return this.of(lease.jobId).complete(lease, workerId, result, now, answer);
  }

  vote(lease: LeaseRef, workerId: string, answer: JobResult, trustedOnly: boolean, now: number): Promise<Transition> {
    return this.of(lease.jobId).vote(lease, workerId, answer, trustedOnly, now);
  }

  settleWaiting(jobId: string, votesSeen: readonly string[], result: JobResult, now: number): Promise<Transition> {
    return this.of(jobId).settleWaiting(jobId, votesSeen, result, now);
  }

  votes(jobId: string): Promise<Vote[]> {
    return this.of(jobId).votes(jobId);
  }

  /**
   * A script a job, partition after partition, each step (a read of the identity's index) told once its scripts ran.
   * A partition not yet indexed (out of reach at connect) is indexed first: its index may lack older jobs.
   */
  async reopenAnsweredBy(identity: string, walk: Backtracking, told: (step: Reopened) => void): Promise<void> {
    for (const [p, partition] of this.partitions.entries()) {
      await this.olderJobs.ensure(p);
      await partition.reopenAnsweredBy(identity, walk, told);
    }
  }

  fail(lease: LeaseRef, workerId: string, reason: string, retryable: boolean, now: number): Promise<Transition> {
    return this.of(lease.jobId).endWithoutResult(lease, workerId, 'failed', reason, retryable, now);
  }

  refuse(lease: LeaseRef, workerId: string, reason: string, now: number): Promise<Transition> {
    return this.of(lease.jobId).endWithoutResult(lease, workerId, 'refused', reason, true, now);
  }

  failForGood(lease: LeaseRef, reason: string, now: number): Promise<Transition> {
    return this.of(lease.jobId).endWithoutResult(lease, '', 'image-missing', reason, true, now);
  }

  release(lease: LeaseRef, outcome: 'lost' | 'expired' | 'recovered', reason: string, now: number): Promise<Transition> {
    return this.of(lease.jobId).endWithoutResult(lease, '', outcome, reason, true, now);
  }

  /** Called by the reaper every tick, which also has partitions out of reach at connect indexed once back (not waited for). */
  expiredLeases(now: number, othersGraceMs: number): Promise<DueLease[]> {
    this.olderJobs.catchUp();
    return this.leasesDueBy(now, now - othersGraceMs);
  }

  async activeLeases(): Promise<LeaseRef[]> {
    return (await this.leasesDueBy('+inf', '+inf')).map(({ jobId, leaseId }) => ({ jobId, leaseId }));
  }

  retry(jobId: string, now: number): Promise<Retried> {
    return this.of(jobId).retry(jobId, now);
  }

  remove(jobId: string): Promise<{ removed: boolean; lease: LeaseRef | null }> {
    return this.of(jobId).remove(jobId);
  }

  /** A script a batch, partition after partition: each batch is added to `cleared` as its script commits. */
  async clear(cleared: Cleared = { ids: [], leases: [] }): Promise<Cleared> {
    for (const partition of this.partitions) {
      await partition.clear((removed) => {
        for (const [jobId, leaseId] of removed) {
          cleared.ids.push(jobId);
          if (leaseId) cleared.leases.push({ jobId, leaseId });
        }
      });
    }
    return cleared;
  }

  /** At most `batch` in all, taken partition after partition (a step that fills its batch is followed by another). */
  async expireImages(endedBy: number, now: number, batch: number): Promise<JobView[]> {
    return this.inBatch(batch, (partition, left) => partition.expireImages(endedBy, now, left));
  }

  async expireJobs(endedBy: number, batch: number): Promise<string[]> {
    return this.inBatch(batch, (partition, left) => partition.expireJobs(endedBy, left));
  }

  async forgetIdempotencyKeys(usedBy: number, batch: number): Promise<number> {
    return (await this.inBatch(batch, (partition, left) => partition.forgetIdempotencyKeys(usedBy, left))).length;
  }

  get(jobId: string): Promise<JobView | null> {
    return this.of(jobId).get(jobId);
  }

  getDetail(jobId: string): Promise<JobDetailView | null> {
    return this.of(jobId).getDetail(jobId);
  }

  image(jobId: string): Promise<{ contentType: string; bytes: Uint8Array } | null> {
    return this.of(jobId).image(jobId);
  }

  /** Newest first; the cursor is the submission number of the last job on the previous page (one counter numbers every partition). */
  async list({ status, owner, limit, cursor }: ListQuery): Promise<JobPage> {
    const read = (partition: RedisPartition) =>
      owner === undefined ? partition.newest(status, limit + 1, cursor) : partition.newestOf(owner, status, limit + 1, cursor);
    const found = (await Promise.all(this.partitions.map(read))).flat().sort((a, b) => b.seq - a.seq);
    const page = found.slice(0, limit);
    // A job removed between the two reads is left out.
    const jobs = await this.getInOrder(page);
    const nextCursor = found.length > limit ? String(page[page.length - 1]!.seq) : null;
    return { jobs, nextCursor };
  }

  async counts(): Promise<StatusCounts> {
    const all = await Promise.all(this.partitions.map((partition) => partition.counts()));
    return all.reduce((sum, counts) => ({
      queued: sum.queued + counts.queued,
      leased: sum.leased + counts.leased,
      done: sum.done + counts.done,
      failed: sum.failed + counts.failed,
    }));
  }

  /** Ready while any partition's node answers (redis/reachable-partitions.ts). */
  ping(): Promise<void> {
    return anyAnswers(this.partitions);
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

  private of(jobId: string): RedisPartition {
    return this.partitions[partitionOf(jobId, this.partitions.length)]!;
  }

  private async getInOrder(page: Listed[]): Promise<JobView[]> {
    const byPartition = new Map<RedisPartition, string[]>();
    for (const { id } of page) {
      const partition = this.of(id);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), id]);
    }
    const found = new Map<string, JobView>();
    for (const views of await Promise.all([...byPartition].map(([partition, ids]) => partition.getMany(ids)))) {
      for (const view of views) found.set(view.id, view);
    }
    return page.map(({ id }) => found.get(id)).filter((view): view is JobView => view !== undefined);
  }

  /**
   * A batch taken partition after partition. One whose node is down is passed over, as leasing passes over it, so
   * it holds up no other's retention; a later sweep takes it in turn. Fails only when none is in reach.
   */
  private async inBatch<T>(batch: number, step: (partition: RedisPartition, left: number) => Promise<T[]>): Promise<T[]> {
    const done: T[] = [];
    let unreachable: StoreUnavailableError | null = null;
    let answered = false;
    for (const partition of this.partitions) {
      if (done.length === batch) break;
      try {
        done.push(...(await step(partition, batch - done.length)));
        answered = true;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        unreachable = error;
      }
    }
    if (unreachable && !answered) throw unreachable;
    return done;
  }

  /** This master's leases due by `mine`, every other by `others`. */
  private async leasesDueBy(mine: number | '+inf', others: number | '+inf'): Promise<DueLease[]> {
    return (await fromEveryReachable(this.partitions, (partition) => partition.leasesDueBy(mine, this.masterId, others))).leases;
  }

  private setAvailable(available: boolean): void {
    if (available === this.isAvailable) return;
    this.isAvailable = available;
    for (const listener of this.availabilityListeners) listener(available);
  }
}
