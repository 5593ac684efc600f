// Real masters for the lifecycle tests (master/test/job-lifecycle*.test.ts), on
// any kind of store: masters given the same Redis prefix share their jobs. After
// each test its workers are cut off, its masters closed and its Redis keys deleted.
import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import type { StatsView } from '../../master/stats-api-types.ts';
import type { Config } from '../../master/config.ts';
import type { Logger } from '../../master/log.ts';
import type { RedisTarget } from '../../master/store/redis/redis-connection.ts';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { submit as submitUploads, uploadsFrom } from './jobs-client.ts';
import { devImages } from './paths.ts';
import { deleteRedisKeys } from './stores.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from './test-master.ts';

export const ADMIN_TOKEN = 'lifecycle-test-token';
export type Overrides = Partial<Record<keyof Config, unknown>>;

export const uploads = uploadsFrom(devImages(3).map((image) => image.path));
/** Uploads the first `count` dev images; answers their job ids. */
export const submit = (at: TestMaster, count: number) => submitUploads(at.url, uploads.slice(0, count));
export const stats = (at: TestMaster) => fetch(`${at.url}/api/stats`).then((r) => r.json()) as Promise<StatsView>;

export interface LifecycleMasters {
  /** A master's config for a kind of store (no target: SQLite); on Redis a fresh prefix. */
  storeConfig(target: RedisTarget | undefined): Overrides;
  master(overrides: Overrides, log?: Logger): Promise<TestMaster>;
  /** A trusted worker: a failure it calls final fails the job at once. */
  worker(at: TestMaster, options?: Omit<SyntheticWorkerOptions, 'masterUrl'>): Promise<SyntheticWorker>;
}

/** Call at the top of a test file. */
export function useLifecycleMasters(): LifecycleMasters {
  const masters: TestMaster[] = [];
  const workers: SyntheticWorker[] = [];
  const redisData: { prefix: string; target: RedisTarget }[] = [];
  afterEach(async () => {
    for (const worker of workers.splice(0)) worker.terminate();
    for (const master of masters.splice(0)) await master.close();
    for (const { prefix, target } of redisData.splice(0)) await deleteRedisKeys(prefix, target);
  });

  return {
    storeConfig(target) {
      if (!target) return {};
      const prefix = `test:${randomUUID()}:`;
      redisData.push({ prefix, target });
      const where =
        'url' in target ? { redisUrl: target.url } : { redisClusterNodes: target.clusterNodes.map(({ host, port }) => `${host}:${port}`).join(',') };
      return { ...where, redisPrefix: prefix };
    },
    async master(overrides, log) {
      const started = await startTestMaster({ adminToken: ADMIN_TOKEN, ...overrides }, {}, log);
      masters.push(started);
      return started;
    },
    async worker(at, options = {}) {
      const connected = await SyntheticWorker.connect({ masterUrl: at.url, ...options, hello: { fleetToken: TEST_FLEET_TOKEN, ...options.hello } });
      workers.push(connected);
      return connected;
    },
  };
}
