// Every JobStore implementation, opened fresh for a test and disposed after:
// the embedded store in a temp dir, Redis under a unique key prefix (one
// partition, the default), and a three-node Redis Cluster that the kind starts
// for its test file, with the queue in several partitions as a cluster is run.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { identityKeys } from '../../master/identity/redis-identity-store.ts';
import type { JobStore, Limits } from '../../master/store/job-store.ts';
import { RedisJobStore } from '../../master/store/redis-job-store.ts';
import type { RedisTarget } from '../../master/store/redis/redis-connection.ts';
import { masterKeys, partitionCountKey, RedisKeys } from '../../master/store/redis/redis-keys.ts';
import { SqliteJobStore } from '../../master/store/sqlite-job-store.ts';
import { loseImageFiles, loseRedisImages } from './lost-images.ts';
import { startRedisCluster, type RedisCluster } from './redis-cluster.ts';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export interface OpenedStore {
  store: JobStore;
  /** Another store on the same data, as a second master would open it (with other limits, if given). */
  openAgain(limits?: Partial<Limits>): Promise<JobStore>;
  /** Closes one of these stores and opens it again on the same data, as a restarted master would (with other limits, if given). */
  restart(store: JobStore, limits?: Partial<Limits>): Promise<JobStore>;
  /** Closes every store opened on this data and deletes the data. */
  dispose(): Promise<void>;
  /** Deletes a job's stored images behind the stores' backs (lost-images.ts). */
  loseImages(jobId: string): Promise<void>;
}

export interface StoreKind {
  name: 'sqlite' | 'redis' | 'redis-cluster' | 'redis-partitioned';
  /** Partitions of a Redis kind's queue (QUEUE_PARTITIONS). */
  partitions?: number;
  /** Starts what the kind needs for a whole test file (beforeAll), and stops it (afterAll). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Opens a fresh store; limits not given are the defaults below. */
  open(limits?: Partial<Limits>): Promise<OpenedStore>;
  /** Where a Redis kind's stores live (once started). */
  redisTarget?(): RedisTarget;
}

export const DEFAULT_TEST_LIMITS: Limits = {
  maxAttempts: 3,
  maxLeases: 5,
  failureQuorum: 2,
  maxPendingJobs: 100_000,
  idempotencyTtlMs: 24 * 3_600_000,
  leaseScanLimit: 1_000,
  maxVotersPerNetwork: 1,
  maxAnswersPerJob: 20,
  errorAttemptsShown: 10,
  reopenBatch: 500,
};

/** Partitions of the cluster kind's queue: more than its nodes, so some node holds several. */
export const CLUSTER_PARTITIONS = 4;

/** A client of its own on a Redis or a cluster, for a test to look behind a store's back; the caller quits it. */
export const redisAdmin = (target: RedisTarget) => ('url' in target ? new Redis(target.url) : new Cluster(target.clusterNodes));

/** Deletes every key of the store under a prefix (tests never share one), each partition's keys in a command of their own (one slot each). */
export async function deleteRedisKeys(prefix: string, target: RedisTarget = { url: TEST_REDIS_URL }): Promise<void> {
  const admin = redisAdmin(target);
  try {
    const partitions = Number((await admin.get(partitionCountKey(prefix))) ?? 1);
    for (let partition = 0; partition < partitions; partition++) await admin.del(...new RedisKeys(prefix, partition, partitions).all());
    await admin.del(partitionCountKey(prefix));
    await admin.del(masterKeys(prefix).known);
    await admin.del(...Object.values(identityKeys(prefix)));
  } finally {
    await admin.quit();
  }
}

/** Stores opened on one set of data, closed together. */
async function openedStores(
  open: (limits?: Partial<Limits>) => JobStore | Promise<JobStore>,
  deleteData: () => Promise<void>,
  loseImages: (jobId: string) => Promise<void>,
): Promise<OpenedStore> {
  const stores = [await open()];
  return {
    store: stores[0]!,
    async openAgain(limits) {
      stores.push(await open(limits));
      return stores[stores.length - 1]!;
    },
    async restart(store, limits) {
      stores.splice(stores.indexOf(store), 1);
      await store.close();
      stores.push(await open(limits));
      return stores[stores.length - 1]!;
    },
    async dispose() {
      for (const store of stores) await store.close();
      await deleteData();
    },
    loseImages,
  };
}

const sqlite: StoreKind = {
  name: 'sqlite',
  async start() {},
  async stop() {},
  async open(limits) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-store-'));
    return openedStores(
      (other) => new SqliteJobStore(dir, { ...DEFAULT_TEST_LIMITS, ...limits, ...other }),
      async () => fs.rmSync(dir, { recursive: true, force: true }),
      async (jobId) => loseImageFiles(dir, jobId),
    );
  },
};

function redisKind(name: 'redis' | 'redis-cluster' | 'redis-partitioned', target: () => RedisTarget, partitions = 1): StoreKind {
  return {
    name,
    partitions,
    redisTarget: target,
    async start() {},
    async stop() {},
    async open(limits) {
      const keyPrefix = `test:${randomUUID()}:`;
      return openedStores(
        // The partitions' turns start at the first, so that two stores given the same calls answer the same.
        (other) => RedisJobStore.connect({ target: target(), keyPrefix, partitions, firstTurn: 0, limits: { ...DEFAULT_TEST_LIMITS, ...limits, ...other } }),
        () => deleteRedisKeys(keyPrefix, target()),
        (jobId) => loseRedisImages(target(), keyPrefix, partitions, jobId),
      );
    },
  };
}

let cluster: RedisCluster | null = null;
const onCluster = redisKind(
  'redis-cluster',
  () => {
    if (!cluster) throw new Error('the redis-cluster store kind was not started (call kind.start() in beforeAll)');
    return { clusterNodes: cluster.addresses };
  },
  CLUSTER_PARTITIONS,
);
onCluster.start = async () => {
  cluster ??= await startRedisCluster();
};
onCluster.stop = async () => {
  await cluster?.stop();
  cluster = null;
};

export const STORE_KINDS: StoreKind[] = [sqlite, redisKind('redis', () => ({ url: TEST_REDIS_URL })), onCluster];

/** One Redis with the cluster kind's partitions: what the cluster must answer exactly as (store-differential.test.ts). */
export const PARTITIONED_REDIS = redisKind('redis-partitioned', () => ({ url: TEST_REDIS_URL }), CLUSTER_PARTITIONS);
