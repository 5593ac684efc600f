// Real masters and synthetic workers (the real protocol from Node, no inference) for a test file: each
// test starts the masters it needs on the store it names; after each test its workers are cut off, its
// masters closed and its Redis keys deleted.
import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import type { Config } from '../../master/config.ts';
import type { Logger } from '../../master/log.ts';
import type { MasterParts } from '../../master/server.ts';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from './stores.ts';
import { startTestMaster, type TestMaster } from './test-master.ts';

export type MasterStore = 'sqlite' | 'redis';
type Overrides = Partial<Record<keyof Config, unknown>>;

export interface TestMasters {
  /** Starts a master on `store`; on Redis under `redisPrefix` when overrides name one (masters given one prefix share their jobs), else a fresh one. */
  start(store?: MasterStore, overrides?: Overrides, parts?: MasterParts, log?: Logger): Promise<TestMaster>;
  /** A fresh Redis key prefix, deleted after the test. */
  redisPrefix(): string;
  /** Connects a synthetic worker holding one job at a time unless `credit` says otherwise. */
  connect(master: TestMaster, options?: Omit<SyntheticWorkerOptions, 'masterUrl'>): Promise<SyntheticWorker>;
}

/** Call at the top of a test file. */
export function useTestMasters(): TestMasters {
  const masters: TestMaster[] = [];
  const workers: SyntheticWorker[] = [];
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const worker of workers.splice(0)) worker.terminate();
    for (const master of masters.splice(0)) await master.close();
    for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
  });

  const redisPrefix = () => {
    const prefix = `test:${randomUUID()}:`;
    prefixes.push(prefix);
    return prefix;
  };
  return {
    redisPrefix,
    async start(store = 'sqlite', overrides = {}, parts = {}, log) {
      const onStore = store === 'redis' ? { redisUrl: TEST_REDIS_URL, redisPrefix: overrides.redisPrefix ?? redisPrefix() } : {};
      const master = await startTestMaster({ ...overrides, ...onStore }, parts, log);
      masters.push(master);
      return master;
    },
    async connect(master, options = {}) {
      const worker = await SyntheticWorker.connect({ masterUrl: master.url, credit: 1, ...options });
      workers.push(worker);
      return worker;
    },
  };
}
