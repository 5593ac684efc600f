// Several masters on one Redis (and on a Redis Cluster) share one queue: each sees the other's jobs and answers
// for its leases, none hands a job out twice or reaps a lease twice, a late result and the reaper racing for one
// lease are believed once, and a lease is judged by the clock of the master that made it (a lease from a master
// older than that is anyone's, once past its deadline by the grace for other clocks).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStore, Lease, Limits } from '../store/job-store.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { RedisJobStore } from '../store/redis-job-store.ts';
import { result, useRedisStores, worker } from '../../test/support/redis-stores.ts';
import { DEFAULT_TEST_LIMITS, deleteRedisKeys, STORE_KINDS, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { LEASE_MS, T0, leaseOne, newJobs } from '../../test/support/store-fixtures.ts';

const REDIS_URL = TEST_REDIS_URL;
const LIMITS: Limits = DEFAULT_TEST_LIMITS;
const { admin, stores, opened } = useRedisStores();

describe.each(STORE_KINDS.filter((kind) => kind.name !== 'sqlite'))('several masters on one $name', (kind) => {
  beforeAll(() => kind.start());
  afterAll(() => kind.stop());

  /** Two masters sharing one fresh prefix. */
  async function twoMasters() {
    const first = await kind.open();
    opened.push(first);
    return [first.store, await first.openAgain()] as const;
  }

  it('keep every key of a partition under one hash tag, so each script runs on one cluster node', () => {
    const tags = new RedisKeys('test:').all().map((key) => /\{([^}]+)\}/.exec(key)?.[1]);
    expect(new Set(tags)).toEqual(new Set(['q']));
  });

  it('clear a store larger than one batch completely', async () => {
    const [first, second] = await twoMasters();
    const { jobs } = await first.create(newJobs(1_203), T0, 'key');
    const leased = (await second.lease([worker('w')], 1_000, T0)) as [Lease];
    const cleared = await second.clear();
    expect(cleared.ids.sort()).toEqual(jobs.map((job) => job.id).sort());
    expect(cleared.leases).toEqual([{ jobId: leased[0].jobId, leaseId: leased[0].leaseId }]);
    expect(await first.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
    expect((await first.create(newJobs(1), T0, 'key')).replayed).toBe(false);
  });
  it('see each other’s jobs and answer for each other’s leases', async () => {
    const [first, second] = await twoMasters();
    const { jobs } = await first.create(newJobs(2), T0);
    expect(await second.get(jobs[0]!.id)).toEqual(jobs[0]);
    expect((await second.list({ limit: 10 })).jobs.map((job) => job.id)).toEqual(jobs.map((job) => job.id).reverse());
    const [lease] = (await second.lease([worker('w')], 1_000, T0)) as [Lease];
    expect(lease.jobId).toBe(jobs[0]!.id);
    expect((await first.complete(lease, 'w', result, T0 + 1)).applied).toBe(true);
    expect(await second.counts()).toEqual({ queued: 1, leased: 0, done: 1, failed: 0 });
  });

  it('never hand one job to two workers, however many lease at once', async () => {
    const [first, second] = await twoMasters();
    const jobCount = 300;
    await first.create(newJobs(jobCount), T0);
    const calls = Array.from({ length: 60 }, (_, call) =>
      [first, second].map((master, m) =>
        master.lease(
          [0, 1, 2].map((w) => worker(`m${m}-c${call}-w${w}`)),
          1_000,
          T0,
        ),
      ),
    ).flat();
    const leases = (await Promise.all(calls)).flat().filter((lease): lease is Lease => lease !== null);
    expect(leases).toHaveLength(jobCount);
    expect(new Set(leases.map((lease) => lease.jobId)).size).toBe(jobCount);
    expect(new Set(leases.map((lease) => lease.leaseId)).size).toBe(jobCount);
    expect(leases.every((lease) => lease.attempt === 1)).toBe(true);
    expect(await first.counts()).toEqual({ queued: 0, leased: jobCount, done: 0, failed: 0 });
  });

  it('reap an expired lease once, however many masters reap it at once', async () => {
    const [first, second] = await twoMasters();
    const { jobs } = await first.create(newJobs(50), T0);
    await first.lease(
      jobs.map((_, i) => worker(`w${i}`)),
      100,
      T0,
    );
    const reap = async (master: JobStore) => {
      // No grace: every master takes every lease at its deadline, as the backstop does once the grace is over.
      const expired = await master.expiredLeases(T0 + 100, 0);
      return Promise.all(expired.map((lease) => master.release(lease, 'expired', 'lease expired', T0 + 100)));
    };
    const outcomes = (await Promise.all([reap(first), reap(second), reap(first)])).flat();
    expect(outcomes.filter((outcome) => outcome.applied)).toHaveLength(50);
    for (const { id } of jobs) {
      const detail = (await second.getDetail(id))!;
      expect(detail).toMatchObject({ status: 'queued', attempts: 1 });
      expect(detail.timeline.map((attempt) => attempt.outcome)).toEqual(['expired']);
    }
  });

  it('judge a lease by the clock of the master that made it: one whose clock runs ahead takes no other lease early', async () => {
    const [a, b] = await twoMasters();
    const LEASE = 30_000;
    const AHEAD = LEASE - 1; // B's clock reads AHEAD ms more than A's
    await a.create(newJobs(2), T0);
    const [ofA] = (await a.lease([worker('wa')], LEASE, T0)) as Lease[];
    const [ofB] = (await b.lease([worker('wb')], LEASE, T0 + AHEAD)) as Lease[];
    const own = ({ jobId, leaseId }: Lease) => ({ jobId, leaseId, abandoned: false });
    const abandoned = ({ jobId, leaseId }: Lease) => ({ jobId, leaseId, abandoned: true });
    // 1 ms before A's deadline on A's clock: before, B took A's lease here (an expired attempt, the answer refused).
    expect(await b.expiredLeases(T0 + LEASE - 1 + AHEAD, LEASE)).toEqual([]);
    // A reaps its own at its deadline, on its clock; B its own on its own clock.
    expect(await a.expiredLeases(T0 + LEASE, LEASE)).toEqual([own(ofA!)]);
    expect(await b.expiredLeases(T0 + AHEAD + LEASE, LEASE)).toEqual([own(ofB!)]);
    // The backstop: a lease past its deadline by a whole lease more is anyone's (its master may be gone unnoticed),
    // and another master's is abandoned: its master did not reap it, so its end is no fault of its worker.
    expect(await a.expiredLeases(T0 + AHEAD + 2 * LEASE, LEASE)).toEqual(expect.arrayContaining([own(ofA!), abandoned(ofB!)]));
    expect(await b.expiredLeases(T0 + 2 * LEASE + AHEAD, LEASE)).toEqual(expect.arrayContaining([abandoned(ofA!), own(ofB!)]));
  });

  it('believe exactly one of a late result and the reaper racing for the same lease', async () => {
    const [first, second] = await twoMasters();
    const { jobs } = await first.create(newJobs(40), T0);
    const leases = (await first.lease(
      jobs.map((_, i) => worker(`w${i}`)),
      100,
      T0,
    )) as Lease[];
    const outcomes = await Promise.all(
      leases.map(async (lease, i) => {
        const [completed, released] = await Promise.all([
          first.complete(lease, `w${i}`, result, T0 + 100),
          second.release(lease, 'expired', 'lease expired', T0 + 100),
        ]);
        return Number(completed.applied) + Number(released.applied);
      }),
    );
    expect(outcomes.every((applied) => applied === 1)).toBe(true);
  });
});

describe('a lease from a master older than leases naming their master', () => {
  it('is any master’s to reap, but only once past its deadline by the grace for other clocks', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const keys = new RedisKeys(keyPrefix);
    const store = await RedisJobStore.connect({ target: { url: REDIS_URL }, limits: LIMITS, keyPrefix });
    stores.push(store);
    try {
      await store.create(newJobs(1), T0);
      const { jobId, leaseId } = await leaseOne(store, worker('w'), T0);
      const row = JSON.parse((await admin.hget(keys.jobs, jobId))!) as Record<string, unknown>;
      delete row.lease_master;
      await admin.hset(keys.jobs, jobId, JSON.stringify(row));
      expect(await store.expiredLeases(T0 + 2 * LEASE_MS - 1, LEASE_MS)).toEqual([]);
      expect(await store.expiredLeases(T0 + 2 * LEASE_MS, LEASE_MS)).toEqual([{ jobId, leaseId, abandoned: true }]);
    } finally {
      await deleteRedisKeys(keyPrefix);
    }
  });
});
