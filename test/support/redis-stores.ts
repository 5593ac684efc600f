// What the Redis store's own tests (master/test/redis-*.test.ts) share: a trusted worker and a result to hand in,
// an admin connection to the test Redis, and stores opened for one test and closed after it.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach } from 'vitest';
import type { Limits, WorkerRef } from '../../master/store/job-store.ts';
import { RedisJobStore } from '../../master/store/redis-job-store.ts';
import { DEFAULT_TEST_LIMITS, TEST_REDIS_URL, type OpenedStore } from './stores.ts';

/** A trusted worker whose socket, name and identity are all `id`. */
export const worker = (id: string): WorkerRef => ({ id, name: id, backend: 'test', identity: id, workerClass: 'trusted' });
/** A result as a worker sends it. */
export const result = { predictions: [{ index: 1, label: 'x', probability: 1 }], model: 'm', backend: 'b', inferenceMs: 1 };

/**
 * For a test file: `admin`, a connection to the test Redis (closed after the file); `stores` and `opened`, where a
 * test puts the stores it opens, closed (and disposed) after it; `connect`, a store at `url` under a prefix of its own.
 */
export function useRedisStores() {
  const admin = new Redis(TEST_REDIS_URL);
  afterAll(() => admin.quit());
  const stores: RedisJobStore[] = [];
  const opened: OpenedStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const { dispose } of opened.splice(0)) await dispose();
  });

  async function connect(url: string, options: { commandTimeoutMs?: number; partitions?: number; firstTurn?: number; limits?: Limits } = {}) {
    const store = await RedisJobStore.connect({ target: { url }, limits: DEFAULT_TEST_LIMITS, keyPrefix: `test:${randomUUID()}:`, ...options });
    stores.push(store);
    return store;
  }

  return { admin, stores, opened, connect };
}
