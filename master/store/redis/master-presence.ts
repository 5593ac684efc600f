// The store's side of masters watching each other (master-watch.ts): each
// master renews a key that lapses unless renewed, and stays listed among the
// store's masters until another, having requeued its leases, forgets it.
import type { RedisClient } from './lua-scripts.ts';
import { fromEveryReachable, type ReachedLeases } from './reachable-partitions.ts';
import { execBatch, reachRedis } from './redis-connection.ts';
import { masterKeys } from './redis-keys.ts';
import type { RedisPartition } from './redis-partition.ts';

export class MasterPresence {
  private readonly masters: ReturnType<typeof masterKeys>;

  constructor(
    private readonly redis: RedisClient,
    keyPrefix: string,
    private readonly masterId: string,
    private readonly partitions: readonly RedisPartition[],
  ) {
    this.masters = masterKeys(keyPrefix);
  }

  /** Says this master is alive for `ttlMs` more, and is one of the store's masters. */
  async sayAlive(ttlMs: number): Promise<void> {
    await execBatch(this.redis.multi().set(this.masters.alive(this.masterId), '1', 'PX', ttlMs).sadd(this.masters.known, this.masterId));
  }

  /** The other masters of this store that stopped saying they are alive. */
  async silentMasters(): Promise<string[]> {
    const others = (await reachRedis(() => this.redis.smembers(this.masters.known))).filter((id) => id !== this.masterId);
    if (others.length === 0) return [];
    const alive = (await execBatch(others.reduce((batch, id) => batch.exists(this.masters.alive(id)), this.redis.multi()))) as number[];
    return others.filter((_, i) => alive[i] === 0);
  }

  /** The leases a master made that are still held, in every partition in reach, and how many partitions were not. */
  leasesHeldBy(masterId: string): Promise<ReachedLeases> {
    return fromEveryReachable(this.partitions, (partition) => partition.leasesHeldBy(masterId));
  }

  /** A dead master whose leases were all requeued is forgotten. */
  async forgetMaster(masterId: string): Promise<void> {
    await reachRedis(() => this.redis.srem(this.masters.known, masterId));
  }
}
