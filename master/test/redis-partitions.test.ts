// What a partitioned Redis queue (QUEUE_PARTITIONS) promises beyond the store
// contract, on a real three-node Redis Cluster: each partition's keys share one
// hash tag and the partitions spread evenly over the slots and the nodes; requests are spread over
// the partitions; leases take the partitions in turn, FIFO within each (a lease call's
// slots filled from the partition asked first), and a worker no job of one partition suits takes one from the next; a lease call a
// partition answers with an error puts back what the others leased; a master with
// another partition count is refused.
import { randomUUID } from 'node:crypto';
import { Cluster, ReplyError } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobStore, Lease, WorkerRef } from '../store/job-store.ts';
import calculateSlot from 'cluster-key-slot';
import { MAX_PARTITIONS, partitionOf } from '../store/redis/partitions.ts';
import { partitionTag, RedisKeys } from '../store/redis/redis-keys.ts';
import { RedisJobStore } from '../store/redis-job-store.ts';
import { RedisPartition } from '../store/redis/redis-partition.ts';
import { PartitionCountMismatchError, StoreUnavailableError } from '../store/store-errors.ts';
import { CLUSTER_PARTITIONS, DEFAULT_TEST_LIMITS, deleteRedisKeys, STORE_KINDS, type OpenedStore } from '../../test/support/stores.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';

const P = CLUSTER_PARTITIONS;
const trusted: WorkerRef = { id: 'w', name: 'w', backend: 'test', identity: 'fleet', workerClass: 'trusted' };
const volunteer: WorkerRef = { id: 'v', name: 'v', backend: 'test', identity: 'volunteer', workerClass: 'volunteer' };

const onCluster = STORE_KINDS.find((kind) => kind.name === 'redis-cluster')!;
const clusterNodes = () => (onCluster.redisTarget!() as { clusterNodes: { host: string; port: number }[] }).clusterNodes;
beforeAll(() => onCluster.start());
afterAll(() => onCluster.stop());
const opened: OpenedStore[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const { dispose } of opened.splice(0)) await dispose();
  for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix, onCluster.redisTarget!());
});

async function open(): Promise<JobStore> {
  const store = await onCluster.open();
  opened.push(store);
  return store.store;
}

/** One request per partition, each of `size` jobs: their ids, grouped by partition. */
async function onePerPartition(store: JobStore, size: number): Promise<Map<number, string[]>> {
  const byPartition = new Map<number, string[]>();
  for (let i = 0; i < P; i++) {
    const ids = (await store.create(newJobs(size), T0 + i)).jobs.map((job) => job.id);
    const partitions = new Set(ids.map((id) => partitionOf(id, P)));
    expect(partitions.size).toBe(1);
    byPartition.set([...partitions][0]!, ids);
  }
  return byPartition;
}

describe('a queue in partitions on a Redis Cluster', () => {
  it('puts each partition of any count in its own equal run of hash slots, and one store in {q} as before partitions', () => {
    expect(partitionTag(0, 1)).toBe('{q}');
    const runStart = (run: number, count: number) => Math.floor((run * 16_384) / count);
    for (let count = 2; count <= MAX_PARTITIONS; count++) {
      for (let partition = 0; partition < count; partition++) {
        const slot = calculateSlot(partitionTag(partition, count));
        expect(slot).toBeGreaterThanOrEqual(runStart(partition, count));
        expect(slot).toBeLessThan(runStart(partition + 1, count));
      }
    }
  });

  it('keeps each partition under a hash tag of its own, and spreads the partitions evenly over the nodes', async () => {
    const tags = Array.from({ length: P }, (_, partition) => new Set(new RedisKeys('test:', partition, P).all().map((key) => /\{([^}]+)\}/.exec(key)?.[1])));
    expect(tags.every((tag) => tag.size === 1)).toBe(true);
    expect(new Set(tags.map((tag) => [...tag][0])).size).toBe(P);
    const admin = new Cluster(clusterNodes());
    try {
      const nodes = await Promise.all(
        Array.from({ length: P }, async (_, partition) => {
          const slot = Number(await admin.cluster('KEYSLOT', new RedisKeys('test:', partition, P).jobs));
          return (await admin.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to)![2]![1];
        }),
      );
      // 4 partitions on 3 nodes: every node holds one or two.
      const perNode = [...new Set(nodes)].map((node) => nodes.filter((n) => n === node).length);
      expect(perNode).toHaveLength(clusterNodes().length);
      expect(Math.max(...perNode)).toBe(Math.ceil(P / clusterNodes().length));
    } finally {
      await admin.quit();
    }
  });

  it('spreads requests without a key over every partition, a whole request in one', async () => {
    const byPartition = await onePerPartition(await open(), 3);
    expect([...byPartition.keys()].sort()).toEqual(Array.from({ length: P }, (_, i) => i));
  });

  it('leases from the partitions in turn, FIFO within each, so none starves', async () => {
    const store = await open();
    const byPartition = await onePerPartition(store, 3);
    const leased: string[] = [];
    for (let i = 0; i < 3 * P; i++) leased.push(((await store.lease([trusted], 1_000, T0 + 10)) as [Lease])[0].jobId);
    // Every P leases in a row take one job from each partition...
    for (let round = 0; round < 3; round++) {
      expect(new Set(leased.slice(round * P, (round + 1) * P).map((id) => partitionOf(id, P))).size).toBe(P);
    }
    // ...and each partition's jobs in the order they were submitted.
    for (const [partition, ids] of byPartition) expect(leased.filter((id) => partitionOf(id, P) === partition)).toEqual(ids);
    expect(await store.lease([trusted], 1_000, T0 + 10)).toEqual([null]);
  });

  it('fills a lease call of several slots from the partition asked first, so the oldest job waits at most P - 1 calls', async () => {
    const store = await open();
    const byPartition = await onePerPartition(store, 2);
    const calls: string[][] = [];
    for (let i = 0; i < P; i++) calls.push(((await store.lease([trusted, trusted], 1_000, T0 + 10)) as Lease[]).map((lease) => lease.jobId));
    // Each call's two slots go to one partition's jobs, oldest first, though older jobs wait in the others...
    for (const leased of calls) expect(byPartition.get(partitionOf(leased[0]!, P))).toEqual(leased);
    // ...and each partition is asked first once in P calls.
    expect(new Set(calls.map((leased) => partitionOf(leased[0]!, P))).size).toBe(P);
  });

  it('gives a worker that no job of one partition suits a job of another', async () => {
    const store = await open();
    const trustedOnly = (await store.create([{ ...newJobs(1)[0]!, trustedOnly: true }], T0)).jobs[0]!;
    const open_ = (await store.create(newJobs(1), T0 + 1)).jobs[0]!;
    expect(partitionOf(trustedOnly.id, P)).not.toBe(partitionOf(open_.id, P));
    // The partition asked first holds only the trusted-only job: the volunteer is given the other partition's.
    const first = ((await store.lease([volunteer], 1_000, T0 + 2)) as [Lease])[0];
    expect(first.jobId).toBe(open_.id);
    expect(await store.lease([volunteer], 1_000, T0 + 2)).toEqual([null]);
    expect(((await store.lease([trusted], 1_000, T0 + 2)) as [Lease])[0].jobId).toBe(trustedOnly.id);
  });

  it('puts back at once, as lost, what earlier partitions leased in a call a later one answers with an error', async () => {
    const store = await open();
    const ids = [...(await onePerPartition(store, 1)).values()].flat();
    const lease = RedisPartition.prototype.lease;
    let calls = 0;
    const failure = new ReplyError('ERR a script error, not an outage');
    const spy = vi.spyOn(RedisPartition.prototype, 'lease').mockImplementation(function (this: RedisPartition, ...args) {
      return ++calls === 2 ? Promise.reject(failure) : lease.apply(this, args);
    });
    try {
      await expect(store.lease([trusted, { ...trusted, id: 'w2' }], 1_000, T0)).rejects.toBe(failure);
    } finally {
      spy.mockRestore();
    }
    // The first partition's lease went to no worker: it is not left to expire as that worker's failed attempt.
    const jobs = await Promise.all(ids.map((id) => store.getDetail(id)));
    expect(jobs.map((job) => job!.status)).toEqual(ids.map(() => 'queued'));
    expect(jobs.flatMap((job) => job!.timeline.map((attempt) => attempt.outcome))).toEqual(['lost']);
  });

  it('expires the images of the partitions in reach while one is out of reach, and fails only when none is', async () => {
    const store = await open();
    const ids = [...(await onePerPartition(store, 1)).values()].flat();
    for (let i = 0; i < ids.length; i++) {
      const [lease] = await store.lease([{ ...trusted, id: `w${i}` }], 1_000, T0);
      await store.complete(lease!, `w${i}`, { predictions: [{ index: 1, label: 'x', probability: 1 }], model: 'm', backend: 'b', inferenceMs: 1 }, T0);
    }
    const down = `${partitionTag(partitionOf(ids[0]!, P), P)}:jobs`;
    const expireImages = RedisPartition.prototype.expireImages;
    let allDown = false;
    const spy = vi.spyOn(RedisPartition.prototype, 'expireImages').mockImplementation(function (this: RedisPartition, ...args) {
      return allDown || this.keys.jobs.endsWith(down) ? Promise.reject(new StoreUnavailableError('its node is down')) : expireImages.apply(this, args);
    });
    try {
      const expired = await store.expireImages(T0 + 1, T0 + 1, 100);
      expect(expired.map((job) => job.id).sort()).toEqual(ids.slice(1).sort());
      allDown = true;
      await expect(store.expireImages(T0 + 1, T0 + 1, 100)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      spy.mockRestore();
    }
    // Its turn comes once it is back.
    expect((await store.expireImages(T0 + 1, T0 + 1, 100)).map((job) => job.id)).toEqual([ids[0]]);
  });

  it('refuses a master started with another number of partitions, naming both', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    const target = onCluster.redisTarget!();
    const first = await RedisJobStore.connect({ target, keyPrefix, partitions: P, limits: DEFAULT_TEST_LIMITS });
    try {
      await first.create(newJobs(1), T0);
      const other = RedisJobStore.connect({ target, keyPrefix, partitions: P + 1, limits: DEFAULT_TEST_LIMITS });
      await expect(other).rejects.toBeInstanceOf(PartitionCountMismatchError);
      await expect(other).rejects.toThrow(`has ${P} queue partition(s), this master was started with QUEUE_PARTITIONS=${P + 1}`);
    } finally {
      await first.close();
    }
  });

  it('reads a store written before partitions as one partition, and refuses to split it', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    prefixes.push(keyPrefix);
    const target = onCluster.redisTarget!();
    const admin = new Cluster(clusterNodes());
    try {
      // What a store from before partitions holds: its counter, and no record of a partition count.
      await admin.set(new RedisKeys(keyPrefix).seq, '7');
    } finally {
      await admin.quit();
    }
    await expect(RedisJobStore.connect({ target, keyPrefix, partitions: P, limits: DEFAULT_TEST_LIMITS })).rejects.toThrow('has 1 queue partition(s)');
    const one = await RedisJobStore.connect({ target, keyPrefix, partitions: 1, limits: DEFAULT_TEST_LIMITS });
    try {
      expect((await one.create(newJobs(1), T0)).jobs).toHaveLength(1);
    } finally {
      await one.close();
    }
  });
});
