// Whether a Redis Cluster keeps serving the partitions of its other nodes while one is down. Redis's default,
// cluster-require-full-coverage yes, stops every node (CLUSTERDOWN to everything) once the cluster marks a node
// failed, so one node down would stop every partition of the queue, not its own: the master warns at start.
import { Cluster } from 'ioredis';
import type { RedisClient } from './lua-scripts.ts';
import { reachRedis } from './redis-connection.ts';

/**
 * The cluster's master nodes (host:port) that require full coverage. Empty for one Redis, and for a node whose
 * CONFIG is disabled (as on some managed services): what cannot be read is not warned of.
 */
export async function nodesRequiringFullCoverage(redis: RedisClient): Promise<string[]> {
  if (!(redis instanceof Cluster)) return [];
  const nodes = redis.nodes('master');
  const settings = await Promise.allSettled(nodes.map((node) => reachRedis(() => node.config('GET', 'cluster-require-full-coverage'))));
  return nodes
    .filter((_, i) => {
      const setting = settings[i]!;
      return setting.status === 'fulfilled' && (setting.value as string[])[1] === 'yes';
    })
    .map((node) => `${node.options.host}:${node.options.port}`);
}
