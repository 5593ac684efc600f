// Backtracking racing another master, on one Redis and on a Redis Cluster: a master reopening the jobs a
// blacklisted identity answered reopens only a job still holding the result it read, not one another master
// reopened and a trusted worker answered between its read and its write.
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WorkerRef } from '../store/job-store.ts';
import { result, useRedisStores, worker } from '../../test/support/redis-stores.ts';
import { STORE_KINDS } from '../../test/support/stores.ts';
import { T0, leaseOne, newJobs, reopenedBy } from '../../test/support/store-fixtures.ts';

const { opened } = useRedisStores();

describe.each(STORE_KINDS.filter((kind) => kind.name !== 'sqlite'))('backtracking on one $name', (kind) => {
  beforeAll(() => kind.start());
  afterAll(() => kind.stop());
  afterEach(() => vi.restoreAllMocks());

  const volunteer = (id: string): WorkerRef => ({ ...worker(id), workerClass: 'volunteer' });
  const resultBy = (state: 'verified' | 'trusted', workerIds: string[]) => ({
    ...result,
    verification: {
      state,
      credibility: state === 'trusted' ? 1 : 0.9995,
      replicas: workerIds.map((workerId) => ({
        workerId,
        workerClass: state === 'trusted' ? ('trusted' as const) : ('volunteer' as const),
        top1: 1,
        agreed: true,
      })),
    },
  });

  it('reopens only a job still holding the result it read, not one reopened and answered by a trusted worker meanwhile', async () => {
    const first = await kind.open();
    opened.push(first);
    const second = await first.openAgain();
    const { jobs } = await first.store.create(newJobs(1), T0);
    const id = jobs[0]!.id;
    await first.store.vote(await leaseOne(first.store, volunteer('liar')), 'liar', result, false, T0);
    await first.store.complete(await leaseOne(first.store, volunteer('other')), 'other', resultBy('verified', ['liar', 'other']), T0);
    const trusted = resultBy('trusted', ['fleet']);
    // Between the first master's read of the jobs "liar" answered and its reopening of them, the second master
    // backtracks on "other" (blacklisted there), and the fleet answers the job again.
    let meanwhile: (() => Promise<void>) | null = async () => {
      await reopenedBy(second, 'other', 'other was blacklisted', 'unused');
      await second.complete(await leaseOne(second, worker('fleet')), 'fleet', trusted, T0 + 1);
    };
    for (const client of [Redis.prototype, Cluster.prototype]) {
      const hmget = client.hmget as (...args: unknown[]) => Promise<unknown>;
      vi.spyOn(client, 'hmget').mockImplementation(async function (this: unknown, ...args: unknown[]) {
        const read = await hmget.apply(this, args);
        const step = meanwhile;
        meanwhile = null;
        await step?.();
        return read;
      } as never);
    }
    expect(await reopenedBy(first.store, 'liar', 'liar was blacklisted', 'unused')).toEqual({ reopened: [], unverified: [] });
    expect(meanwhile).toBeNull();
    expect(await first.store.get(id)).toMatchObject({ status: 'done', result: trusted, worker: 'fleet' });
  });
});
