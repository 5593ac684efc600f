// Every JobStore implementation, opened fresh for a test and disposed after:
// the embedded store in a temp dir, Redis under a unique key prefix.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { JobStore, Limits } from '../../master/store/job-store.ts';
import { RedisJobStore } from '../../master/store/redis-job-store.ts';
import { SqliteJobStore } from '../../master/store/sqlite-job-store.ts';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export interface OpenedStore {
  store: JobStore;
  dispose(): Promise<void>;
}

export interface StoreKind {
  name: 'sqlite' | 'redis';
  /** Opens a fresh store; limits not given are the defaults below. */
  open(limits?: Partial<Limits>): Promise<OpenedStore>;
}

export const DEFAULT_TEST_LIMITS: Limits = { maxAttempts: 3, maxLeases: 5, maxPendingJobs: 100_000 };

/** Deletes every key under a prefix (tests never share one). */
export async function deleteRedisKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const admin = new Redis(url);
  try {
    for await (const keys of admin.scanStream({ match: `${prefix}*`, count: 500 })) {
      if ((keys as string[]).length) await admin.del(...(keys as string[]));
    }
  } finally {
    await admin.quit();
  }
}

export const STORE_KINDS: StoreKind[] = [
  {
    name: 'sqlite',
    async open(limits) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-store-'));
      const store = new SqliteJobStore(dir, { ...DEFAULT_TEST_LIMITS, ...limits });
      return {
        store,
        async dispose() {
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    async open(limits) {
      const keyPrefix = `test:${randomUUID()}:`;
      const store = await RedisJobStore.connect({ url: TEST_REDIS_URL, keyPrefix, limits: { ...DEFAULT_TEST_LIMITS, ...limits } });
      return {
        store,
        async dispose() {
          await store.close();
          await deleteRedisKeys(keyPrefix);
        },
      };
    },
  },
];
