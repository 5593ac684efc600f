// Retention's sets on Redis follow the jobs: they hold the ended jobs, scored by their end, through every
// transition (retry, removal, images expired, clear), and a store written before retention has its ended jobs
// added to them once, at connect, a batch at a time.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Lease, Limits } from '../store/job-store.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { RedisJobStore } from '../store/redis-job-store.ts';
import { result, useRedisStores, worker } from '../../test/support/redis-stores.ts';
import { DEFAULT_TEST_LIMITS, deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';

const REDIS_URL = TEST_REDIS_URL;
const LIMITS: Limits = DEFAULT_TEST_LIMITS;
const { admin, stores } = useRedisStores();

describe('retention on Redis', () => {
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
  });

  async function storeAt(keyPrefix = `test:${randomUUID()}:`) {
    if (!prefixes.includes(keyPrefix)) prefixes.push(keyPrefix);
    const store = await RedisJobStore.connect({ target: { url: REDIS_URL }, limits: { ...LIMITS, maxAttempts: 1 }, keyPrefix });
    stores.push(store);
    return { store, keys: new RedisKeys(keyPrefix) };
  }
  const members = (key: string) => admin.zrange(key, 0, -1, 'WITHSCORES');
  const pairs = (...entries: [string, number][]) => entries.sort(([, a], [, b]) => a - b).flatMap(([id, at]) => [id, String(at)]);

  it('keeps its sets to the ended jobs, scored by their end, through every transition', async () => {
    const { store, keys } = await storeAt();
    const ids = (await store.create(newJobs(5), T0)).jobs.map((job) => job.id);
    const leases = (await store.lease(
      [1, 2, 3, 4].map((i) => worker(`w${i}`)),
      1_000,
      T0,
    )) as Lease[];
    await store.complete(leases[0]!, 'w1', result, T0 + 10);
    await store.fail(leases[1]!, 'w2', 'bad', false, T0 + 20);
    await store.complete(leases[2]!, 'w3', result, T0 + 30);
    await store.release(leases[3]!, 'lost', 'tab closed', T0 + 40);
    expect(await members(keys.ended)).toEqual(pairs([ids[0]!, T0 + 10], [ids[1]!, T0 + 20], [ids[2]!, T0 + 30]));
    expect(await members(keys.imagesByEnd)).toEqual(await members(keys.ended));

    await store.retry(ids[1]!, Date.now());
    await store.remove(ids[2]!);
    await store.expireImages(T0 + 10, T0 + 50, 10);
    expect(await members(keys.ended)).toEqual(pairs([ids[0]!, T0 + 10]));
    expect(await members(keys.imagesByEnd)).toEqual([]);
    expect(await admin.hexists(keys.images, ids[0]!)).toBe(0);
    expect(await admin.hexists(keys.images, ids[3]!)).toBe(1);

    await store.complete(((await store.lease([worker('w5')], 1_000, T0 + 60)) as [Lease])[0], 'w5', result, T0 + 70);
    expect(await members(keys.ended)).toEqual(pairs([ids[0]!, T0 + 10], [ids[1]!, T0 + 70]));
    await store.clear();
    expect([await members(keys.ended), await members(keys.imagesByEnd)]).toEqual([[], []]);
  });

  it('adds the ended jobs of a store written before retention to its sets once, at connect, a batch at a time', async () => {
    const prefix = `test:${randomUUID()}:`;
    const { store, keys } = await storeAt(prefix);
    const ids = (await store.create(newJobs(1_203), T0)).jobs.map((job) => job.id);
    const leases = (await store.lease(
      ids.map((_, i) => worker(`w${i}`)),
      1_000,
      T0,
    )) as Lease[];
    const ended: [string, number][] = [];
    for (const [i, lease] of leases.slice(0, 1_202).entries()) {
      const at = T0 + 1 + (i % 7);
      if (i % 3 === 0) await store.fail(lease, `w${i}`, 'bad', false, at);
      else await store.complete(lease, `w${i}`, result, at);
      ended.push([lease.jobId, at]);
    }
    // As a master from before retention left it.
    await admin.del(keys.ended, keys.imagesByEnd, keys.retentionIndexed);

    const { store: again } = await storeAt(prefix);
    expect((await members(keys.ended)).length).toBe(2 * 1_202);
    expect(await admin.zscore(keys.ended, ended[5]![0])).toBe(String(ended[5]![1]));
    expect(await admin.get(keys.retentionIndexed)).toBe('1');
    expect((await again.expireImages(T0 + 7, T0 + 10, 2_000)).length).toBe(1_202);
    expect(await admin.hexists(keys.images, ids[1_202]!)).toBe(1);
    expect((await again.expireJobs(T0 + 7, 2_000)).length).toBe(1_202);
    expect(await again.counts()).toEqual({ queued: 0, leased: 1, done: 0, failed: 0 });
  });
});
