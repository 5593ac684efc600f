// The store's keys. There is a fixed set of them, whatever the number of jobs:
// a job lives as a field of the `jobs`, `images`, `prepared` and `attempts` hashes, so
// every script is handed every key it touches in KEYS, even those (lease,
// clear) that pick their jobs as they run. The keys per job are an upload's
// images on their way in (`incoming`, original and prepared), which the create script is handed too.
// All keys of a set carry one hash tag, so on Redis Cluster they share a slot and each
// script runs on one node.
//
// The tag names a partition of the queue (partitions.ts): `{q}` for a store of
// one, as every store written before partitions; with several, tags chosen so
// the partitions sit evenly over the cluster's hash slots (partitionTag).
import calculateSlot from 'cluster-key-slot';
import type { JobStatus } from '../../api-types.ts';

/** Redis Cluster's hash slots. */
const SLOTS = 16_384;

/**
 * The hash tag of partition `partition` of `count`. With several, partition i's tag is `q<i>` — or, when that name's
 * slot lies outside the i-th of `count` equal runs of slots, `q<i>.<n>` for the first n whose slot lies in it — so
 * the partitions spread evenly over a cluster whose nodes serve equal runs of slots (as `redis-cli --cluster create`
 * deals them), instead of wherever their names happen to hash.
 */
export function partitionTag(partition: number, count: number): string {
  if (count === 1) return '{q}';
  const [from, to] = [Math.floor((partition * SLOTS) / count), Math.floor(((partition + 1) * SLOTS) / count)];
  for (let n = 0; ; n++) {
    const name = n === 0 ? `q${partition}` : `q${partition}.${n}`;
    const slot = calculateSlot(name);
    if (slot >= from && slot < to) return `{${name}}`;
  }
}

/** String: how many partitions the store under this prefix was created with (partitions.ts); set by its first master. */
export const partitionCountKey = (prefix: string) => `${prefix}partitions`;

/** Where the masters sharing a store say they are alive (master-watch.ts), under a hash tag of their own. */
export const masterKeys = (prefix: string) => ({
  /** Set: the id of every master that has said it is alive and is not known dead yet. */
  known: `${prefix}{masters}:known`,
  /** String per master, expiring unless the master renews it. */
  alive: (masterId: string) => `${prefix}{masters}:alive:${masterId}`,
});

export class RedisKeys {
  /** Hash: job id -> the job's fields as JSON (those of the sqlite row; an absent field is null). */
  readonly jobs: string;
  /** Hash: job id -> image bytes, as uploaded. */
  readonly images: string;
  /** Hash: job id -> the prepared image workers receive (master/images/prepared-image.ts); jobs from before it have none. */
  readonly prepared: string;
  /** Hash: job id -> JSON array of its attempt rows, oldest first. */
  readonly attempts: string;
  /** Sorted set: every job id, scored by submission number (seq). */
  readonly order: string;
  /** Sorted sets per status, scored by seq; `queued` is the FIFO queue. */
  readonly byStatus: Record<JobStatus, string>;
  /** Sorted set: leased job ids scored by lease deadline, for reaping. */
  readonly leases: string;
  /** Hash: idempotency key -> JSON array of the job ids it created. */
  readonly idempotency: string;
  /** Sorted set: idempotency keys scored by when they were first used, to expire them. */
  readonly idempotencyAge: string;
  /** Submission counter; the first partition's is the whole store's, so submission numbers order jobs across partitions. */
  readonly seq: string;
  /**
   * Sorted sets, every score 0, read in lexical order: "owner:seq:id" and "owner:status:seq:id" (seq zero-padded
   * to 16 digits; owner ids hold no colon), so one owner's jobs, all or of one status, are one range, read
   * newest first in O(log n + page) like every other list. Jobs stored before owners are in neither.
   */
  readonly byOwner: string;
  readonly byOwnerStatus: string;
  /**
   * Sorted sets for retention, scored by when the job ended (done or failed): `ended` every ended job, `imagesByEnd`
   * those whose image is still kept. The scripts where jobs end add them; retry, reopen, remove and clear take them
   * out, so a retention step reads only the jobs due (O(log n + batch)).
   */
  readonly ended: string;
  readonly imagesByEnd: string;
  /** String, set once the jobs that ended before retention existed are in those sets too (index-ended.lua). */
  readonly retentionIndexed: string;
  /**
   * Sorted set: the queued jobs a volunteer may take (all but the trusted-only), scored by seq, so a volunteer's lease
   * never walks the private jobs queued ahead of it (set_status in job-lib.lua keeps it).
   */
  readonly openQueue: string;
  /** String, set once the jobs queued before the open queue existed are in it too (index-open.lua). */
  readonly openQueueIndexed: string;
  /**
   * Sorted set, every score 0, read in lexical order: "identity:job id" for each identity whose answer a done job
   * holds (identities hold no colon), so backtracking after a blacklisting reads that identity's jobs, not every done
   * job. Added when a job is done (complete.lua), removed with the job; a member whose job left done since is skipped.
   */
  readonly answersByIdentity: string;
  /** String, set once the jobs done before that index existed are in it too (index-answers.lua). */
  readonly answersIndexed: string;
  private readonly key: (name: string) => string;

  /** The keys of partition `partition` of `count` (the default: the one partition of a store that has one). */
  constructor(
    readonly prefix: string,
    readonly partition = 0,
    count = 1,
  ) {
    if (/[{}]/.test(prefix)) throw new Error(`a Redis key prefix may not contain { or } (got "${prefix}"): the store adds its own hash tag`);
    const tag = partitionTag(partition, count);
    const key = (this.key = (name: string) => `${prefix}${tag}:${name}`);
    this.jobs = key('jobs');
    this.images = key('images');
    this.prepared = key('prepared');
    this.attempts = key('attempts');
    this.order = key('order');
    this.byStatus = { queued: key('status:queued'), leased: key('status:leased'), done: key('status:done'), failed: key('status:failed') };
    this.leases = key('leases');
    this.idempotency = key('idempotency');
    this.idempotencyAge = key('idempotency-age');
    this.seq = key('seq');
    this.byOwner = key('by-owner');
    this.byOwnerStatus = key('by-owner-status');
    this.ended = key('ended');
    this.imagesByEnd = key('images-by-end');
    this.retentionIndexed = key('retention-indexed');
    this.openQueue = key('open-queue');
    this.openQueueIndexed = key('open-queue-indexed');
    this.answersByIdentity = key('answers-by-identity');
    this.answersIndexed = key('answers-indexed');
  }

  /** Every key, in the order job-lib.lua reads KEYS. */
  all(): string[] {
    const { queued, leased, done, failed } = this.byStatus;
    return [
      this.jobs,
      this.images,
      this.attempts,
      this.order,
      queued,
      leased,
      done,
      failed,
      this.leases,
      this.idempotency,
      this.idempotencyAge,
      this.seq,
      this.byOwner,
      this.byOwnerStatus,
      this.ended,
      this.imagesByEnd,
      this.retentionIndexed,
      this.prepared,
      this.openQueue,
      this.openQueueIndexed,
      this.answersByIdentity,
      this.answersIndexed,
    ];
  }

  /** String: the image of a job about to be created, until create.lua moves it into `images`; it expires if no create comes. */
  incoming(jobId: string): string {
    return this.key(`incoming:${jobId}`);
  }

  /** String: the same for the job's prepared image. */
  incomingPrepared(jobId: string): string {
    return this.key(`incoming:${jobId}:prepared`);
  }

  /** Sorted set of every job, or those in one status, scored by seq. */
  list(status?: JobStatus): string {
    return status ? this.byStatus[status] : this.order;
  }
}
