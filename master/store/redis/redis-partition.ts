// One partition of the Redis queue: a full set of the store's keys under one
// hash tag (redis-keys.ts), and every operation on it. Every transition is one
// Lua script (*.lua beside this file), so fencing and the attempt rules apply
// atomically whichever master runs them; reads are plain commands. Which
// partition a job is in, and reads across partitions, are the store's
// (redis-job-store.ts).
import { randomUUID } from 'node:crypto';
import { RedisImageStore } from '../../images/redis-image-store.ts';
import { JOB_STATUSES, type JobDetailView, type JobResult, type JobStatus, type JobView } from '../../api-types.ts';
import type { EndedWithoutResult } from '../attempt-rules.ts';
import type {
  DueLease,
  CappedJobs,
  Leased,
  LeaseRef,
  Retried,
  RetryRefusal,
  Limits,
  NewJob,
  RejectReason,
  Reopened,
  Backtracking,
  StatusCounts,
  Transition,
  Vote,
  WorkerRef,
} from '../job-store.ts';
import { answerOf, leanedOn, toAttemptView, toView, withdrawn } from '../job-views.ts';
import { jobScripts, type LuaScript, type RedisClient, type ScriptArg } from './lua-scripts.ts';
import { toldEvenLate } from './late-outcomes.ts';
import { execBatch, reachRedis } from './redis-connection.ts';
import { RedisKeys } from './redis-keys.ts';
import { attemptRows, jobRow, perWorker, viewOf } from './redis-rows.ts';
import { unsentReason } from '../unsent-leases.ts';

type TransitionReply = [RejectReason] | ['ok', string];

export type CreateOutcome = 'created' | 'replayed' | 'queue-full' | 'key-reused' | 'image-expired';

/** A job's place in the newest-first lists: its id and submission number. */
export interface Listed {
  id: string;
  seq: number;
}

/** A script's {job id, lease id, ...} reply as leases. */
function leaseRefs(flat: string[]): LeaseRef[] {
  const leases: LeaseRef[] = [];
  for (let i = 0; i < flat.length; i += 2) leases.push({ jobId: flat[i]!, leaseId: flat[i + 1]! });
  return leases;
}

/** Jobs removed per clear script, so a large store never blocks Redis for long. */
const CLEAR_BATCH = 500;

/** Ended jobs indexed per script when a store written before retention is first opened. */
const INDEX_BATCH = 500;

export class RedisPartition {
  readonly keys: RedisKeys;
  private readonly images: RedisImageStore;
  /** Every key, handed to every script. */
  private readonly allKeys: string[];

  /** Partition `partition` of `count`; `limits.maxPendingJobs` is its share (partitions.ts, shareOf). */
  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    partition: number,
    count: number,
    private readonly limits: Limits,
  ) {
    this.keys = new RedisKeys(keyPrefix, partition, count);
    this.allKeys = this.keys.all();
    this.images = new RedisImageStore(redis, this.keys);
  }

  /** Creates the jobs under the given ids (each in this partition), numbered from `firstSeq` (null: by this partition's counter). */
  async create(
    ids: string[],
    jobs: NewJob[],
    firstSeq: number | null,
    now: number,
    scopedKey: string,
    digest: string,
    owner: string | undefined,
  ): Promise<{ outcome: CreateOutcome; jobs: JobView[] }> {
    await this.images.put(jobs.map((job, i) => ({ jobId: ids[i]!, file: job.image, ...(job.prepared && { prepared: job.prepared.bytes }) })));
    const args: ScriptArg[] = [now, scopedKey, this.limits.idempotencyTtlMs, this.limits.maxPendingJobs, digest, owner ?? '', firstSeq ?? ''];
    for (const [i, job] of jobs.entries()) args.push(ids[i]!, job.fileName, job.contentType, job.trustedOnly ? 1 : 0, job.prepared?.contentType ?? '');
    const keys = [...ids.map((id) => this.keys.incoming(id)), ...ids.map((id) => this.keys.incomingPrepared(id))];
    // A create whose reply is lost may have applied: its images are left to expire, never deleted here.
    const [outcome, created] = (await this.run(jobScripts.create, args, { keys })) as [CreateOutcome, string[]];
    if (outcome !== 'created') await this.images.delete(ids);
    return { outcome, jobs: (created ?? []).map(viewOf) };
  }

  /** Leases as `masterId`'s (leasesHeldBy). */
  async lease(workers: WorkerRef[], leaseMs: number, now: number, masterId: string, capped?: CappedJobs): Promise<(Leased | null)[]> {
    const deadline = now + leaseMs;
    const leaseIds = workers.map(() => randomUUID());
    const args: ScriptArg[] = [now, deadline, masterId, this.limits.leaseScanLimit, this.limits.maxVotersPerNetwork, this.limits.maxAnswersPerJob];
    for (const [i, worker] of workers.entries())
      args.push(leaseIds[i]!, worker.id, worker.name, worker.backend, worker.identity, worker.workerClass === 'trusted' ? 1 : 0, worker.network ?? '');
    let made: ([Buffer, Buffer | null, number] | [])[];
    try {
      made = (await this.run(jobScripts.lease, args, { buffers: true })) as typeof made;
    } catch (error) {
      this.releaseUnsent(deadline, leaseIds, error, now);
      throw error;
    }
    return perWorker(made, workers.length, capped).map((entry) => {
      if (!entry || entry.length === 0) return null;
      const [json, image, prepared] = entry;
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

  /** Whether lease would find each worker a job in this partition now; nothing is leased. */
  async openTo(workers: WorkerRef[], capped?: CappedJobs): Promise<boolean[]> {
    const args: ScriptArg[] = [this.limits.leaseScanLimit, this.limits.maxVotersPerNetwork, this.limits.maxAnswersPerJob];
    for (const worker of workers) args.push(worker.identity, worker.workerClass === 'trusted' ? 1 : 0, worker.network ?? '');
    const open = (await this.run(jobScripts.openTo, args)) as number[];
    return perWorker(open, workers.length, capped).map((flag) => flag === 1);
  }

  /**
   * A lease script that timed out on the client still runs in Redis once Redis gets to it: its leases would reach no
   * worker and, at their deadline, count against the workers named on them as expired attempts. The release is sent
   * on the same connection (on a cluster, the partition's node's), so Redis runs it after that script. Not awaited: it does its work in Redis whether or not
   * its reply comes back in time, and waiting would hold the call up another timeout. If the connection is gone, the
   * leases (if any) expire as before.
   */
  private releaseUnsent(deadline: number, leaseIds: string[], cause: unknown, now: number): void {
    const { maxAttempts, maxLeases, failureQuorum, errorAttemptsShown } = this.limits;
    const args = [deadline, unsentReason(cause), now, maxAttempts, maxLeases, failureQuorum, errorAttemptsShown, ...leaseIds];
    void jobScripts.releaseUnsent.runBySource(this.redis, this.allKeys, args).catch(() => undefined);
  }

  async complete(lease: LeaseRef, workerId: string, result: JobResult, now: number, answer?: JobResult): Promise<Transition> {
    const args = [lease.jobId, lease.leaseId, workerId, JSON.stringify(result), now, answer ? JSON.stringify(answer) : ''];
    return toldEvenLate(
      this.redis,
      async () => this.transition(await this.run(jobScripts.complete, args)),
      () => this.endedAs(lease, 'done'),
    );
  }

  async vote(lease: LeaseRef, workerId: string, answer: JobResult, trustedOnly: boolean, now: number): Promise<Transition> {
    const args = [lease.jobId, lease.leaseId, workerId, JSON.stringify(answer), trustedOnly ? 1 : 0, now, this.limits.maxAnswersPerJob];
    return toldEvenLate(
      this.redis,
      async () => this.transition(await this.run(jobScripts.vote, args)),
      () => this.endedAs(lease, 'answered'),
    );
  }

  async settleWaiting(jobId: string, votesSeen: readonly string[], result: JobResult, now: number): Promise<Transition> {
    const args = [jobId, JSON.stringify(result), result.workerId ?? '', now, ...votesSeen];
    return this.transition(await this.run(jobScripts.settleWaiting, args));
  }

  async votes(jobId: string): Promise<Vote[]> {
    const attempts = attemptRows(await reachRedis(() => this.redis.hget(this.keys.attempts, jobId)));
    return attempts
      .filter((attempt) => attempt.outcome === 'answered' && attempt.answer !== null)
      .map((attempt) => ({
        identity: attempt.identity,
        network: attempt.network,
        leaseId: attempt.lease_id,
        answer: JSON.parse(attempt.answer!) as JobResult,
      }));
  }

  async reopenAnsweredBy(identity: string, walk: Backtracking, told: (step: Reopened) => void): Promise<void> {
    // Walks the jobs the identity answered (keys.answersByIdentity), not every done job: a blacklisting costs what
    // the identity did. Reopening leaves the index as it is, so the walk's place holds.
    // Its members are "identity:…", between "identity:" and "identity;" (';' follows ':').
    const prefix = `${identity}:`;
    for (let after = `(${prefix}`; ;) {
      const members = await reachRedis(() => this.redis.zrangebylex(this.keys.answersByIdentity, after, `(${identity};`, 'LIMIT', 0, this.limits.reopenBatch));
      if (members.length === 0) return;
      after = `(${members[members.length - 1]}`;
      const ids = members.map((member) => member.slice(prefix.length));
      const rows = (await reachRedis(() => this.redis.hmget(this.keys.jobs, ...ids))).filter((json): json is string => json !== null).map(jobRow);
      const walked: Reopened = { reopened: [], unverified: [] };
      try {
        for (const row of rows) {
          const job = toView(row);
          if (job.status !== 'done' || !leanedOn(job.result, identity)) continue;
          // The script decides, atomically, between reopening and (its image expired, or the job full of answers with
          // no trusted worker connected) withdrawing the verification, and only while the job still holds the result
          // read here: meanwhile it may have been reopened and done again.
          const result = job.result!;
          const args = [
            job.id,
            JSON.stringify(answerOf(result)),
            walk.reason,
            JSON.stringify(withdrawn(result, walk.imageExpiredReason)),
            result.workerId ?? '',
            row.result!,
            this.limits.maxAnswersPerJob,
            walk.trustedWorkerConnected ? 1 : 0,
            JSON.stringify(withdrawn(result, walk.answersFullReason)),
            // Read as this script is run: each is a step of its own.
            walk.now(),
          ];
          const reply = (await this.run(jobScripts.reopen, args)) as ['reopened' | 'unverified', string] | null;
          if (reply) walked[reply[0]].push(viewOf(reply[1]));
        }
      } finally {
        // A step cut short by an error tells what its scripts did.
        if (walked.reopened.length > 0 || walked.unverified.length > 0) told(walked);
      }
    }
  }

  /** Outcome 'image-missing' is the master's own verdict (failForGood): the script fails the job whatever the attempt rules say. */
  async endWithoutResult(lease: LeaseRef, workerId: string, outcome: EndedWithoutResult, reason: string, retryable: boolean, now: number): Promise<Transition> {
    const { maxAttempts, maxLeases, failureQuorum, errorAttemptsShown } = this.limits;
    const args = [lease.jobId, lease.leaseId, workerId, outcome, reason, retryable ? 1 : 0, now, maxAttempts, maxLeases, failureQuorum, errorAttemptsShown];
    return this.transition(await this.run(jobScripts.endWithoutResult, args));
  }

  /** Leases `masterId` made due by `mine`, and any other due by `others` (leases-due.lua). */
  async leasesDueBy(mine: number | '+inf', masterId: string, others: number | '+inf'): Promise<DueLease[]> {
    const flat = (await this.run(jobScripts.leasesDue, [mine, masterId, others])) as string[];
    const due: DueLease[] = [];
    for (let i = 0; i < flat.length; i += 3) due.push({ jobId: flat[i]!, leaseId: flat[i + 1]!, abandoned: flat[i + 2] !== '1' });
    return due;
  }

  /** The leases a master made that are still held. */
  async leasesHeldBy(masterId: string): Promise<LeaseRef[]> {
    return leaseRefs((await this.run(jobScripts.leasesHeldBy, [masterId])) as string[]);
  }

  async retry(jobId: string, now: number): Promise<Retried> {
    const [outcome, json] = (await this.run(jobScripts.retry, [jobId, now])) as [string, string?];
    return outcome === 'ok' ? { job: viewOf(json!) } : { refused: outcome as RetryRefusal };
  }

  /**
   * One that went unanswered is told late as a removal once the job is gone, whatever removed it (the remove ran, or
   * another master or retention did: gone all the same); its lease id went with it.
   */
  remove(jobId: string): Promise<{ removed: boolean; lease: LeaseRef | null }> {
    const removal = async () => {
      const [removed, leaseId] = (await this.run(jobScripts.remove, [jobId])) as [number, string];
      return { removed: removed === 1, lease: leaseId ? { jobId, leaseId } : null };
    };
    const gone = async () => ((await reachRedis(() => this.redis.hexists(this.keys.jobs, jobId))) ? undefined : { removed: true, lease: null });
    return toldEvenLate(this.redis, removal, gone);
  }

  /** Removes every job of the partition, a batch per script; hands each batch to `removed`: [job id, lease id or ''] for each job. */
  async clear(removed: (batch: [string, string][]) => void): Promise<void> {
    for (let done = 0; !done;) {
      let batch: [string, string][];
      [batch, done] = (await this.run(jobScripts.clear, [CLEAR_BATCH])) as [[string, string][], number];
      removed(batch);
    }
  }

  async expireImages(endedBy: number, now: number, batch: number): Promise<JobView[]> {
    return ((await this.run(jobScripts.expireImages, [endedBy, now, batch])) as string[]).map(viewOf);
  }

  async expireJobs(endedBy: number, batch: number): Promise<string[]> {
    return (await this.run(jobScripts.expireJobs, [endedBy, batch])) as string[];
  }

  /** The keys forgotten. */
  async forgetIdempotencyKeys(usedBy: number, batch: number): Promise<string[]> {
    return (await this.run(jobScripts.forgetIdempotency, [usedBy, batch])) as string[];
  }

  async get(jobId: string): Promise<JobView | null> {
    const json = await reachRedis(() => this.redis.hget(this.keys.jobs, jobId));
    return json === null ? null : viewOf(json);
  }

  /** The jobs still there of these ids, in their order. */
  async getMany(jobIds: string[]): Promise<JobView[]> {
    if (jobIds.length === 0) return [];
    const replies = await reachRedis(() => this.redis.hmget(this.keys.jobs, ...jobIds));
    return replies.filter((json): json is string => json !== null).map(viewOf);
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

  /** Up to `count` jobs, newest first, submitted before the cursor (a submission number). */
  async newest(status: JobStatus | undefined, count: number, cursor: string | undefined): Promise<Listed[]> {
    const newest = cursor ? `(${cursor}` : '+inf';
    const found = await reachRedis(() => this.redis.zrevrangebyscore(this.keys.list(status), newest, '-inf', 'WITHSCORES', 'LIMIT', 0, count));
    const jobs: Listed[] = [];
    for (let i = 0; i < found.length; i += 2) jobs.push({ id: found[i]!, seq: Number(found[i + 1]) });
    return jobs;
  }

  /** The same from one owner's index (redis-keys.ts): its members sort as "owner:[status:]seq:id". */
  async newestOf(owner: string, status: JobStatus | undefined, count: number, cursor: string | undefined): Promise<Listed[]> {
    const prefix = status ? `${owner}:${status}:` : `${owner}:`;
    // Below every member of seq cursor and above (they extend it), above every other member of the range.
    const newest = cursor ? `(${prefix}${cursor.padStart(16, '0')}` : `(${prefix};`;
    const key = status ? this.keys.byOwnerStatus : this.keys.byOwner;
    const members = await reachRedis(() => this.redis.zrevrangebylex(key, newest, `(${prefix}`, 'LIMIT', 0, count));
    return members.map((member) => {
      const [seq, id] = member.slice(prefix.length).split(':') as [string, string];
      return { id, seq: Number(seq) };
    });
  }

  async queuedCount(): Promise<number> {
    return reachRedis(() => this.redis.zcard(this.keys.byStatus.queued));
  }

  async counts(): Promise<StatusCounts> {
    const batch = this.redis.pipeline();
    for (const status of JOB_STATUSES) batch.zcard(this.keys.byStatus[status]);
    const sizes = (await execBatch(batch)) as number[];
    return Object.fromEntries(JOB_STATUSES.map((status, i) => [status, sizes[i]])) as StatusCounts;
  }

  /**
   * A partition written before an index existed has its older jobs added once, then a key says so: ended jobs to
   * retention's sets (index-ended.lua), queued ones to the open queue (index-open.lua), done ones' answers to
   * the answers index (index-answers.lua).
   */
  async indexOlderJobs(): Promise<void> {
    const indexes: { done: string; walks: [LuaScript, ScriptArg[]][] }[] = [
      {
        done: this.keys.retentionIndexed,
        walks: [
          [jobScripts.indexEnded, ['done']],
          [jobScripts.indexEnded, ['failed']],
        ],
      },
      { done: this.keys.openQueueIndexed, walks: [[jobScripts.indexOpen, []]] },
      { done: this.keys.answersIndexed, walks: [[jobScripts.indexAnswers, []]] },
    ];
    for (const { done, walks } of indexes) {
      if (await reachRedis(() => this.redis.exists(done))) continue;
      for (const [script, args] of walks) await this.walk(script, args);
      await reachRedis(() => this.redis.set(done, '1'));
    }
  }

  /** Runs an indexing script a batch at a time, each starting after the submission number the last one returned. */
  private async walk(script: LuaScript, args: ScriptArg[]): Promise<void> {
    for (let from = '-inf'; ;) {
      const last = (await this.run(script, [...args, from, INDEX_BATCH])) as string;
      if (last === '') return;
      from = `(${last}`;
    }
  }

  /** Runs a script with every key of the partition, and any of a job's own (`keys`) after them. */
  private run(script: LuaScript, args: ScriptArg[], { buffers = false, keys: jobKeys = [] as string[] } = {}): Promise<unknown> {
    const keys = jobKeys.length ? [...this.allKeys, ...jobKeys] : this.allKeys;
    return reachRedis(() => (buffers ? script.runForBuffers(this.redis, keys, args) : script.run(this.redis, keys, args)));
  }

  /**
   * For a worker's answer that went unanswered (late-outcomes.ts): the job as it is now, if the lease's attempt ended
   * `outcome`, which only an answer on that lease could do (fenced by lease id), and its worker answers it once. Else
   * undefined: the answer did not run, or was refused.
   */
  private async endedAs(lease: LeaseRef, outcome: 'done' | 'answered'): Promise<Transition | undefined> {
    const batch = this.redis.multi().hget(this.keys.jobs, lease.jobId).hget(this.keys.attempts, lease.jobId);
    const [json, attempts] = (await execBatch(batch)) as [string | null, string | null];
    const ended = attemptRows(attempts).find((attempt) => attempt.lease_id === lease.leaseId)?.outcome === outcome;
    return json !== null && ended ? { applied: true, job: viewOf(json) } : undefined;
  }

  private transition(reply: unknown): Transition {
    const [tag, json] = reply as TransitionReply;
    return tag === 'ok' ? { applied: true, job: viewOf(json!) } : { applied: false, reason: tag };
  }
}
