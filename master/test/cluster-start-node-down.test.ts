// A master store connecting to a Redis Cluster while one of its nodes is down (killed, no replica), on a real
// four-node cluster: it connects, every time, and takes and leases jobs in the partitions of the nodes up; once the
// node is back, its partitions are indexed (as a store written before an index needs: redis/older-jobs-index.ts) at
// a reaper tick and their jobs are leased, each once; and a master process starts, its fleet dealt the jobs in reach.
// Before, a master could not start while any node was down: the connect indexed every partition and failed on the
// node's, and about one connect in four never ended, the cluster client's ready check having asked the node down
// (redis/redis-connection.ts).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../metrics/scale-cluster.ts';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { settled, submitEach, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { devImages } from '../../test/support/paths.ts';
import { startRedisCluster, type RedisCluster } from '../../test/support/redis-cluster.ts';
import { newJobs, T0, volunteerRef } from '../../test/support/store-fixtures.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { partitionOf } from '../store/redis/partitions.ts';
import { partitionCountKey, RedisKeys } from '../store/redis/redis-keys.ts';
import { RedisJobStore, type RedisJobStoreOptions } from '../store/redis-job-store.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

const PARTITIONS = 4;
/** Connects with the node down: with one node of four down, a connect whose ready check asked it hung ((3/4)^16: 1%). */
const CONNECTS = 16;
/** Longer than any connect takes here: one still pending by then never ends. */
const CONNECT_DEADLINE_MS = 30_000;

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster(4);
}, 60_000);
afterAll(() => cluster?.stop());

/** A store's connect, or an error once it has been pending CONNECT_DEADLINE_MS. */
async function connectWithin(options: RedisJobStoreOptions): Promise<RedisJobStore> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the connect was still pending after ${CONNECT_DEADLINE_MS} ms`)), CONNECT_DEADLINE_MS);
  });
  try {
    return await Promise.race([RedisJobStore.connect(options), pending]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A prefix, and a node to kill that holds one of its partitions but none of the keys a master's start needs: the
 * partition count (`PREFIX+partitions`), the older-store check's `{q}`, the first partition's (the one submission
 * counter), and `{identities}`. The count's slot moves with the prefix, so prefixes are drawn until one leaves such a node.
 */
async function prefixAndVictim(): Promise<{ prefix: string; victim: ClusterNode; nodes: ClusterNode[] }> {
  for (let tries = 0; tries < 50; tries++) {
    const prefix = `test:${randomUUID()}:`;
    const nodes = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => cluster.nodeOf(new RedisKeys(prefix, p, PARTITIONS).jobs)));
    const needed = await Promise.all(
      [partitionCountKey(prefix), new RedisKeys(prefix).seq, new RedisKeys(prefix, 0, PARTITIONS).seq, `${prefix}{identities}:secret`].map((key) =>
        cluster.nodeOf(key),
      ),
    );
    const victim = nodes.find((node) => !needed.includes(node));
    if (victim) return { prefix, victim, nodes };
  }
  throw new Error('no prefix left a node holding a partition and none of the keys a start needs');
}

describe('a master store connecting to a Redis Cluster with a node down', () => {
  it('connects, leases the partitions in reach, and indexes and leases the node’s once it is back', async () => {
    const { prefix, victim, nodes } = await prefixAndVictim();
    const downPartitions = nodes.flatMap((node, p) => (node === victim ? [p] : []));
    const options: RedisJobStoreOptions = {
      target: { clusterNodes: cluster.addresses },
      keyPrefix: prefix,
      partitions: PARTITIONS,
      firstTurn: 0,
      limits: DEFAULT_TEST_LIMITS,
      commandTimeoutMs: 2_000,
    };
    // What the node holds must outlive its kill: its append-only file, fsynced on every write.
    await cluster.persist(victim);

    // Two jobs per partition (requests without a key take the partitions in turn), written while every node is up.
    const first = await RedisJobStore.connect(options);
    const older: string[] = [];
    try {
      for (let i = 0; i < 2 * PARTITIONS; i++) older.push(...(await first.create(newJobs(1), T0 + i)).jobs.map((job) => job.id));
    } finally {
      await first.close();
    }
    expect(new Set(older.map((id) => partitionOf(id, PARTITIONS))).size).toBe(PARTITIONS);
    // The node's partitions as a store written before the open queue left them: their queued jobs reach a volunteer
    // only once indexed again (index-open.lua), as the other indexes' keys say too.
    const admin = new Redis(victim.port, '127.0.0.1');
    try {
      for (const p of downPartitions) {
        const keys = new RedisKeys(prefix, p, PARTITIONS);
        await admin.del(keys.openQueue, keys.openQueueIndexed, keys.retentionIndexed, keys.answersIndexed);
      }
    } finally {
      admin.disconnect();
    }
    await cluster.kill(victim);

    let store: RedisJobStore | null = null;
    try {
      for (let i = 0; i < CONNECTS; i++) {
        store = await connectWithin(options);
        if (i === CONNECTS - 1) break;
        await store.close();
        store = null;
      }
      const connected = store!;
      const inDown = (id: string) => downPartitions.includes(partitionOf(id, PARTITIONS));

      // One request per partition: those of the nodes up are taken, those of the node down refused as unavailable.
      const created: string[] = [];
      for (let p = 0; p < PARTITIONS; p++) {
        try {
          created.push(...(await connected.create(newJobs(1), T0 + 100 + p)).jobs.map((job) => job.id));
        } catch (error) {
          if (!(error instanceof StoreUnavailableError)) throw error;
        }
      }
      expect(created).toHaveLength(PARTITIONS - downPartitions.length);
      const volunteers = Array.from({ length: 4 * PARTITIONS }, (_, i) => volunteerRef(`v${i}`, `identity-${i}`));
      const leased: string[] = [];
      const leaseAll = async () => {
        leased.push(...(await connected.lease(volunteers, 60_000, T0 + 200)).flatMap((lease) => (lease ? [lease.jobId] : [])));
      };
      await leaseAll();
      const inReach = [...older, ...created].filter((id) => !inDown(id));
      expect([...leased].sort()).toEqual([...inReach].sort());
      // A reaper tick while the node is down reads what is in reach, and indexes nothing.
      await connected.expiredLeases(T0 + 200, 0);
      await leaseAll();
      expect(leased).toHaveLength(inReach.length);

      await cluster.restart(victim);
      // Back, and answering the store, but not yet indexed: passed over even by a trusted worker, whose queue needs no
      // index (each lease call also asks, in the background, whether a partition found out of reach is back).
      const waiting = older.find(inDown)!;
      await until(
        () =>
          connected.get(waiting).then(
            () => true,
            () => false,
          ),
        'the node to answer the store again',
      );
      for (let i = 0; i < 5; i++) {
        expect(await connected.lease([{ ...volunteers[0]!, workerClass: 'trusted' }], 60_000, T0 + 250)).toEqual([null]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The reaper's ticks (every quarter lease, at most a second) index the node's partitions; then they are leased.
      await until(async () => {
        await connected.expiredLeases(T0 + 300, 0);
        await leaseAll();
        return leased.length === older.length + created.length;
      }, 'the jobs of the node that came back to be leased');
      expect([...leased].sort()).toEqual([...older, ...created].sort());
      const back = new Redis(victim.port, '127.0.0.1');
      try {
        for (const p of downPartitions) {
          const keys = new RedisKeys(prefix, p, PARTITIONS);
          expect([await back.get(keys.openQueueIndexed), await back.get(keys.retentionIndexed), await back.get(keys.answersIndexed)]).toEqual(['1', '1', '1']);
        }
      } finally {
        back.disconnect();
      }
    } finally {
      await store?.close();
    }
  });

  it('starts a master process, whose fleet is dealt the jobs of the partitions in reach', async () => {
    const { prefix, victim, nodes } = await prefixAndVictim();
    const down = nodes.filter((node) => node === victim).length;
    await cluster.kill(victim);
    const fleetToken = randomUUID();
    let master: MasterProcess | null = null;
    let worker: SyntheticWorker | null = null;
    try {
      // Its store, ledger, identities and rate counts each connect a cluster client: before, each such connect whose
      // ready check asked the node down never ended, and the store's failed at indexing the node's partitions.
      master = await spawnMaster({
        REDIS_CLUSTER_NODES: cluster.addresses.map(({ host, port }) => `${host}:${port}`).join(','),
        REDIS_PREFIX: prefix,
        QUEUE_PARTITIONS: String(PARTITIONS),
        FLEET_TOKEN: fleetToken,
      });
      // Two requests per partition: those of the node down are refused as unavailable, the others taken.
      const { statuses, ids } = await submitEach(master.url, uploadsFrom(devImages(2 * PARTITIONS).map((image) => image.path)));
      expect(statuses.filter((status) => status === 503)).toHaveLength(2 * down);
      expect(ids).toHaveLength(2 * (PARTITIONS - down));
      worker = await SyntheticWorker.connect({ masterUrl: master.url, hello: { fleetToken }, onJob: (job, w) => w.succeed(job.header) });
      const jobs = await settled(master.url, ids, 30_000);
      expect(jobs.map((job) => job.status)).toEqual(ids.map(() => 'done'));
    } finally {
      worker?.terminate();
      await master?.stop('SIGKILL');
    }
  });
});
