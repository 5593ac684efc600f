// The bench's own dealings with Redis, beside the masters': deleting every key
// under its prefix (before and after, on one Redis or on every node of a
// cluster), counting the jobs in each queue partition, and finding the server
// processes to read their CPU time.
import { Cluster, Redis } from 'ioredis';
import type { RedisTarget } from '../master/store/redis/redis-connection.ts';
import { RedisKeys } from '../master/store/redis/redis-keys.ts';

/** Connected: a cluster client knows its nodes only once it has read the slots, so listing them any sooner finds none. */
async function connect(target: RedisTarget): Promise<Redis | Cluster> {
  const client = 'url' in target ? new Redis(target.url, { lazyConnect: true }) : new Cluster(target.clusterNodes, { lazyConnect: true });
  await client.connect();
  return client;
}

/** Deletes every key that starts with `prefix`; answers how many. */
export async function clearPrefix(target: RedisTarget, prefix: string): Promise<number> {
  const client = await connect(target);
  try {
    const servers = client instanceof Cluster ? client.nodes('master') : [client];
    let deleted = 0;
    for (const server of servers) {
      // One key per UNLINK: on a cluster, keys on one node may still lie in different slots (a partition each, and the
      // partition count beside them).
      for await (const keys of server.scanStream({ match: `${escapeGlob(prefix)}*`, count: 1000 }) as AsyncIterable<string[]>) {
        if (keys.length === 0) continue;
        const pipeline = server.pipeline();
        for (const key of keys) pipeline.unlink(key);
        await pipeline.exec();
        deleted += keys.length;
      }
    }
    return deleted;
  } finally {
    client.disconnect();
  }
}

/** Jobs in each queue partition under `prefix`, as its `order` set counts them. */
export async function jobsPerPartition(target: RedisTarget, prefix: string, partitions: number): Promise<number[]> {
  const client = await connect(target);
  try {
    return await Promise.all(Array.from({ length: partitions }, (_, p) => client.zcard(new RedisKeys(prefix, p, partitions).order)));
  } finally {
    client.disconnect();
  }
}

const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/** The pid and version of the Redis server behind a URL (it runs on this machine: the bench is 127.0.0.1 only). */
export async function redisServerInfo(url: string): Promise<{ pid: number; version: string }> {
  const client = new Redis(url);
  try {
    const info = await client.info('server');
    return { pid: Number(/process_id:(\d+)/.exec(info)?.[1]), version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown' };
  } finally {
    client.disconnect();
  }
}
