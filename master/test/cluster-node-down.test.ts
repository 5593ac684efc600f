// A Redis Cluster node down for good (no replica to take over), on a real three-node cluster started as the README
// says: once the other nodes have marked it failed, the partitions they hold go on taking and leasing jobs. Before,
// the nodes were left to require full coverage of the slots (Redis's default), so the moment the down node was marked
// failed every node answered CLUSTERDOWN to everything: one node down stopped every partition, not its own. A master
// names the nodes still set so (cluster-coverage.ts), to warn at start. A node that hangs (stopped, or cut off
// without a reset) costs leasing one command timeout, not one each call: a partition found out of reach is passed
// over, a read at a time asking whether it is back. Before, every lease call waited for it, so while it hung every
// partition was dealt one batch per REDIS_COMMAND_TIMEOUT_MS. Readiness holds while any partition's node answers.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../metrics/scale-cluster.ts';
import { startRedisCluster, type RedisCluster } from '../../test/support/redis-cluster.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { until } from '../../test/support/jobs-client.ts';
import type { WorkerRef } from '../store/job-store.ts';
import { nodesRequiringFullCoverage } from '../store/redis/cluster-coverage.ts';
import { createRedisClient } from '../store/redis/redis-connection.ts';
import { idIn, partitionOf } from '../store/redis/partitions.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { RedisJobStore } from '../store/redis-job-store.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

const PARTITIONS = 4;
/** How long the nodes wait before marking a silent one failed (Redis's default is 15 s); shortened so the test waits less. */
const NODE_TIMEOUT_MS = 1_000;
const worker: WorkerRef = { id: 'w', name: 'w', backend: 'test', identity: 'fleet', workerClass: 'trusted' };

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(() => cluster.stop());

/** Runs `command` on a node of its own. */
async function onNode<T>(node: ClusterNode, command: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(node.port, '127.0.0.1');
  try {
    return await command(client);
  } finally {
    client.disconnect();
  }
}

/** Until every node in `survivors` has marked `down` failed (flag `fail`, not the suspicion `fail?`). */
async function untilMarkedFailed(survivors: ClusterNode[], down: ClusterNode): Promise<void> {
  for (const node of survivors) {
    for (;;) {
      const nodes = String(await onNode(node, (client) => client.cluster('NODES')));
      const line = nodes.split('\n').find((entry) => entry.includes(`127.0.0.1:${down.port}@`));
      if (line && /[ ,]fail[ ,]/.test(line)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('a Redis Cluster node out of reach, the queue in partitions', () => {
  it('names the nodes that require full coverage, which would stop every partition while any node is down', async () => {
    const redis = createRedisClient({ clusterNodes: cluster.addresses }, 5_000);
    const [strict] = cluster.nodes;
    try {
      await redis.connect();
      expect(await nodesRequiringFullCoverage(redis)).toEqual([]);
      await onNode(strict!, (client) => client.config('SET', 'cluster-require-full-coverage', 'yes'));
      expect(await nodesRequiringFullCoverage(redis)).toEqual([`127.0.0.1:${strict!.port}`]);
    } finally {
      await onNode(strict!, (client) => client.config('SET', 'cluster-require-full-coverage', 'no'));
      redis.disconnect();
    }
  });

  it('costs leasing one command timeout while a node hangs, passing over its partitions until it answers again', async () => {
    const prefix = `test:${randomUUID()}:`;
    const counterNode = await cluster.nodeOf(new RedisKeys(prefix, 0, PARTITIONS).seq);
    const nodes = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => cluster.nodeOf(new RedisKeys(prefix, p, PARTITIONS).jobs)));
    const hung = nodes.find((node) => node !== counterNode)!;
    const target = { clusterNodes: cluster.addresses };
    const options = { target, keyPrefix: prefix, partitions: PARTITIONS, firstTurn: 0, limits: DEFAULT_TEST_LIMITS, commandTimeoutMs: 1_000 };
    const store = await RedisJobStore.connect(options);
    try {
      // One job per partition (requests without a key take the partitions in turn).
      const ids = [];
      for (let p = 0; p < PARTITIONS; p++) ids.push(...(await store.create(newJobs(1), T0)).jobs.map((job) => job.id));
      const inHung = ids.filter((id) => nodes[partitionOf(id, PARTITIONS)] === hung);
      hung.process.kill('SIGSTOP');
      // Readiness (/readyz) holds while other partitions' nodes answer: a bare PING went to a random node, the hung one
      // a time in three, and failed after a command timeout, so the master flapped between ready and not.
      for (let i = 0; i < 16; i++) await store.ping();
      // The first lease call waits for the hung node, and finds it out of reach.
      const first = await store.lease([{ ...worker, id: 'w0' }], 60_000, T0);
      const workers = ids.map((_, i) => ({ ...worker, id: `w${i + 1}` }));
      // The next is not held up by it: it answers before a read of the hung node sent just before it gives up.
      const read = store.get(idIn(partitionOf(inHung[0]!, PARTITIONS), PARTITIONS)).then(
        () => 'read',
        () => 'read',
      );
      const next = store.lease(workers, 60_000, T0);
      expect(await Promise.race([next.then(() => 'lease'), read])).toBe('lease');
      const leased = [first[0]?.jobId, ...(await next).map((lease) => lease?.jobId)].filter(Boolean);
      expect(leased.sort()).toEqual(ids.filter((id) => !inHung.includes(id)).sort());
      // Once it answers again, its partitions are leased from again.
      hung.process.kill('SIGCONT');
      const back: string[] = [];
      await until(async () => {
        back.push(...(await store.lease(workers, 60_000, T0)).flatMap((lease) => (lease ? [lease.jobId] : [])));
        return back.length === inHung.length;
      }, 'the hung node’s jobs to be leased');
      expect(back.sort()).toEqual([...inHung].sort());
    } finally {
      hung.process.kill('SIGCONT');
      await store.close();
    }
  });

  it('leaves the partitions of the other nodes taking and leasing jobs once it is marked failed', async () => {
    const prefix = `test:${randomUUID()}:`;
    const counterNode = await cluster.nodeOf(new RedisKeys(prefix, 0, PARTITIONS).seq);
    const nodes = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => cluster.nodeOf(new RedisKeys(prefix, p, PARTITIONS).jobs)));
    // A node holding partitions but not the first, whose node also keeps the one submission counter.
    const victim = nodes.find((node) => node !== counterNode)!;
    const survivors = cluster.nodes.filter((node) => node !== victim);
    for (const node of cluster.nodes) await onNode(node, (client) => client.config('SET', 'cluster-node-timeout', String(NODE_TIMEOUT_MS)));

    const target = { clusterNodes: cluster.addresses };
    const store = await RedisJobStore.connect({ target, keyPrefix: prefix, partitions: PARTITIONS, firstTurn: 0, limits: DEFAULT_TEST_LIMITS });
    try {
      await cluster.kill(victim);
      await untilMarkedFailed(survivors, victim);
      // Requests without a key take the partitions in turn: of one per partition, those of the nodes up are accepted.
      const created: string[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        try {
          created.push(...(await store.create(newJobs(1), T0 + p)).jobs.map((job) => job.id));
        } catch (error) {
          if (!(error instanceof StoreUnavailableError)) throw error;
        }
      }
      expect(created).toHaveLength(nodes.filter((node) => node !== victim).length);
      const leased = await store.lease(
        created.map((_, i) => ({ ...worker, id: `w${i}` })),
        60_000,
        T0 + PARTITIONS,
      );
      expect(leased.map((lease) => lease?.jobId).sort()).toEqual([...created].sort());
    } finally {
      await store.close();
    }
  });
});
