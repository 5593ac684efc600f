// The number of partitions a Redis store was created with (partitions.ts), which every master sharing it must use.
import { PartitionCountMismatchError } from '../store-errors.ts';
import type { RedisClient } from './lua-scripts.ts';
import { reachRedis } from './redis-connection.ts';
import { partitionCountKey, RedisKeys } from './redis-keys.ts';

/**
 * The first master of a store records its number of partitions; every later one must have the same, or jobs would
 * be looked for in the wrong partition. A store written before partitions has one.
 */
export async function claimPartitionCount(redis: RedisClient, prefix: string, count: number): Promise<void> {
  const key = partitionCountKey(prefix);
  const olderStore = await reachRedis(() => redis.exists(new RedisKeys(prefix).seq));
  await reachRedis(() => redis.set(key, olderStore ? 1 : count, 'NX'));
  const stored = Number(await reachRedis(() => redis.get(key)));
  if (stored !== count) throw new PartitionCountMismatchError(prefix, stored, count);
}
