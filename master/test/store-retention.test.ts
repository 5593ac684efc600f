// Retention, one contract for every store (SQLite, Redis, a Redis Cluster): images go a while after their job
// ended, jobs a while later, oldest ending first and a batch at a time; queued and leased jobs, and jobs retried or
// reopened since, are never touched; what is left says what went. Times are the test's (`now` arguments): no sleeping.
import { describe, expect, it } from 'vitest';
import type { JobResult, JobView } from '../api-types.ts';
import type { JobStore, Lease, WorkerRef } from '../store/job-store.ts';
import { STORE_KINDS } from '../../test/support/stores.ts';
import { useStoreKind } from '../../test/support/use-store-kind.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { T0, LEASE_MS, leaseOne, reopenedBy } from '../../test/support/store-fixtures.ts';

const WORKERS: WorkerRef[] = ['a', 'b', 'c'].map((id) => ({ id, name: `worker-${id}`, backend: 'wasm', identity: id, workerClass: 'trusted' }));
const [A, B, C] = WORKERS as [WorkerRef, WorkerRef, WorkerRef];
const volunteer = (id: string, identity: string): WorkerRef => ({ id, name: `volunteer-${id}`, backend: 'wasm', identity, workerClass: 'volunteer' });
const V1 = volunteer('v1', 'identity-1');
const V2 = volunteer('v2', 'identity-2');
const V3 = volunteer('v3', 'identity-3');
/** Far enough ahead that every job that ended is due. */
const LATER = T0 + 1e9;
const iso = (ms: number) => new Date(ms).toISOString();

const newJobs = (count: number) => Array.from({ length: count }, (_, i) => newJob(`${i}.jpg`, 'image/jpeg', new Uint8Array([i, 2, 3])));
const resultOf = (index: number): JobResult => ({ predictions: [{ index, label: 'x', probability: 1 }], model: 'm', backend: 'b', inferenceMs: 3 });
const idsOf = (jobs: JobView[]) => jobs.map((job) => job.id);

describe.each(STORE_KINDS)('$name job store: retention', (kind) => {
  const open = useStoreKind(kind);

  /** Five jobs: 0 done at T0+30, 1 failed at T0+10, 2 done at T0+20, 3 leased, 4 queued. */
  async function fiveJobs() {
    const { store } = await open();
    const ids = idsOf((await store.create(newJobs(5), T0)).jobs);
    const [l0, l1, l2, l3] = (await store.lease([A, B, C, A], LEASE_MS, T0)) as Lease[];
    await store.complete(l0!, A.id, resultOf(0), T0 + 30);
    await store.fail(l1!, B.id, 'not an image', false, T0 + 10);
    await store.complete(l2!, C.id, resultOf(2), T0 + 20);
    return { store, ids, leased: l3! };
  }

  it('deletes the images of jobs ended by the horizon, oldest ending first, a batch at a time, keeping their results', async () => {
    const { store, ids, leased } = await fiveJobs();
    const before = await Promise.all(ids.map((id) => store.get(id)));
    expect(before.map((job) => job!.imageExpiredAt)).toEqual([null, null, null, null, null]);
    expect(await store.expireImages(T0 + 9, T0 + 100, 10)).toEqual([]);

    const first = await store.expireImages(T0 + 30, T0 + 100, 2);
    expect(first).toEqual([
      { ...before[1], imageExpiredAt: iso(T0 + 100) },
      { ...before[2], imageExpiredAt: iso(T0 + 100) },
    ]);
    expect(await store.get(ids[2]!)).toEqual(first[1]);
    expect(await store.image(ids[1]!)).toBeNull();
    expect(await store.image(ids[2]!)).toBeNull();
    expect(await store.image(ids[0]!)).not.toBeNull();
    // The result, the error and the timeline stay.
    expect((await store.get(ids[2]!))!.result).toEqual(resultOf(2));
    expect((await store.getDetail(ids[1]!))!).toMatchObject({
      status: 'failed',
      error: 'attempt 1, worker worker-b (operator fleet): failed (not an image)',
      timeline: [{ attempt: 1 }],
    });

    expect(idsOf(await store.expireImages(T0 + 30, T0 + 200, 2))).toEqual([ids[0]]);
    expect((await store.get(ids[0]!))!.imageExpiredAt).toBe(iso(T0 + 200));
    // Nothing is taken twice; the leased and the queued job are never due, however late the horizon.
    expect(await store.expireImages(LATER, T0 + 300, 10)).toEqual([]);
    expect(await store.image(ids[3]!)).not.toBeNull();
    expect(await store.image(ids[4]!)).not.toBeNull();
    expect(await store.counts()).toEqual({ queued: 1, leased: 1, done: 2, failed: 1 });

    // The leased job is due once it ended, from its own end.
    await store.complete(leased, A.id, resultOf(3), T0 + 500);
    expect(await store.expireImages(T0 + 499, T0 + 600, 10)).toEqual([]);
    expect(idsOf(await store.expireImages(T0 + 500, T0 + 600, 10))).toEqual([ids[3]]);
    expect([...(await leaseOne(store, B, T0 + 700)).image]).toEqual([4, 2, 3]);
  });

  it('removes jobs ended by the horizon with their attempts and image, oldest ending first, never a queued or leased one', async () => {
    const { store, ids, leased } = await fiveJobs();
    expect(await store.expireJobs(T0 + 9, 10)).toEqual([]);
    expect(await store.expireJobs(T0 + 30, 1)).toEqual([ids[1]]);
    expect(await store.get(ids[1]!)).toBeNull();
    expect(await store.getDetail(ids[1]!)).toBeNull();
    expect(await store.image(ids[1]!)).toBeNull();
    // A job whose image already went is removed the same way.
    await store.expireImages(T0 + 20, T0 + 40, 10);
    expect(await store.expireJobs(T0 + 30, 10)).toEqual([ids[2], ids[0]]);
    expect(await store.expireJobs(LATER, 10)).toEqual([]);

    expect(await store.counts()).toEqual({ queued: 1, leased: 1, done: 0, failed: 0 });
    expect(idsOf((await store.list({ limit: 10 })).jobs)).toEqual([ids[4], ids[3]]);
    expect(await store.activeLeases()).toEqual([{ jobId: leased.jobId, leaseId: leased.leaseId }]);
    expect((await store.complete(leased, A.id, resultOf(3), T0 + 50)).applied).toBe(true);
    expect(await store.expireJobs(LATER, 10)).toEqual([ids[3]]);
    expect((await leaseOne(store, B, T0 + 60)).jobId).toBe(ids[4]);
  });

  it('leaves a job retried since it ended alone, and counts from its new end', async () => {
    const { store } = await open({ maxAttempts: 1 });
    const [id] = idsOf((await store.create(newJobs(1), T0)).jobs);
    await store.fail(await leaseOne(store, A), A.id, 'bad', true, T0 + 10);
    expect(await store.retry(id!, Date.now())).toMatchObject({ job: { status: 'queued' } });
    expect(await store.expireImages(LATER, LATER, 10)).toEqual([]);
    expect(await store.expireJobs(LATER, 10)).toEqual([]);
    await store.complete(await leaseOne(store, B, T0 + 20), B.id, resultOf(1), T0 + 50);
    expect(await store.expireImages(T0 + 49, T0 + 60, 10)).toEqual([]);
    expect(idsOf(await store.expireImages(T0 + 50, T0 + 60, 10))).toEqual([id]);
    expect(await store.expireJobs(T0 + 49, 10)).toEqual([]);
    expect(await store.expireJobs(T0 + 50, 10)).toEqual([id]);
  });

  it('refuses to retry a failed job whose image expired: it stays failed', async () => {
    const { store } = await open();
    const [id] = idsOf((await store.create(newJobs(1), T0)).jobs);
    await store.fail(await leaseOne(store, A), A.id, 'not an image', false, T0 + 10);
    await store.expireImages(T0 + 10, T0 + 20, 10);
    expect(await store.retry(id!, Date.now())).toEqual({ refused: 'image-expired' });
    expect(await store.get(id!)).toMatchObject({ status: 'failed', imageExpiredAt: iso(T0 + 20) });
    expect(await store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 1 });
    expect(await store.lease([B], LEASE_MS, T0 + 30)).toEqual([null]);
  });

  it('forgets jobs removed or cleared before they were due', async () => {
    const { store } = await open();
    const ids = idsOf((await store.create(newJobs(2), T0)).jobs);
    for (const [i, lease] of ((await store.lease([A, B], LEASE_MS, T0)) as Lease[]).entries())
      await store.complete(lease, WORKERS[i]!.id, resultOf(i), T0 + 10);
    await store.remove(ids[0]!);
    expect(idsOf(await store.expireImages(LATER, LATER, 10))).toEqual([ids[1]]);
    expect(await store.expireJobs(LATER, 10)).toEqual([ids[1]]);
    await store.create(newJobs(1), T0 + 20);
    await store.complete(await leaseOne(store, A, T0 + 20), A.id, resultOf(1), T0 + 30);
    await store.clear();
    expect(await store.expireImages(LATER, LATER, 10)).toEqual([]);
    expect(await store.expireJobs(LATER, 10)).toEqual([]);
  });

  it('replays an idempotency key as its jobs are now: without their image, then none once they are removed, creating nothing', async () => {
    const { store } = await open();
    const [id] = idsOf((await store.create(newJobs(1), T0, 'key-1')).jobs);
    await store.complete(await leaseOne(store, A), A.id, resultOf(1), T0 + 10);
    await store.expireImages(T0 + 10, T0 + 20, 10);
    expect(await store.create(newJobs(1), T0 + 30, 'key-1')).toEqual({ jobs: [await store.get(id!)], replayed: true });
    expect((await store.get(id!))!.imageExpiredAt).toBe(iso(T0 + 20));
    await store.expireJobs(T0 + 10, 10);
    expect(await store.create(newJobs(1), T0 + 40, 'key-1')).toEqual({ jobs: [], replayed: true });
    expect(await store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
  });

  it('takes each job once when two masters sweep at once', async () => {
    const opened = await open();
    const stores = [opened.store, await opened.openAgain()];
    const ids = idsOf((await stores[0]!.create(newJobs(9), T0)).jobs);
    for (const [i, lease] of ((await stores[0]!.lease([...WORKERS, ...WORKERS, ...WORKERS], LEASE_MS, T0)) as Lease[]).entries()) {
      await stores[0]!.complete(lease, WORKERS[i % 3]!.id, resultOf(i), T0 + 10 + i);
    }
    /** Both masters take steps of two at once until each finds less than a batch. */
    async function sweepBoth<T>(step: (store: JobStore) => Promise<T[]>): Promise<T[]> {
      const taken: T[] = [];
      await Promise.all(
        stores.map(async (store) => {
          for (let got = 2; got === 2;) {
            const batch = await step(store);
            taken.push(...batch);
            got = batch.length;
          }
        }),
      );
      return taken;
    }
    const expired = idsOf(await sweepBoth((store) => store.expireImages(LATER, T0 + 100, 2)));
    expect([...expired].sort()).toEqual([...ids].sort());
    for (const id of ids) expect(await stores[1]!.image(id)).toBeNull();
    const removed = await sweepBoth((store) => store.expireJobs(LATER, 2));
    expect([...removed].sort()).toEqual([...ids].sort());
    expect(await stores[1]!.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
  });

  it('keeps a done job whose image expired done when a volunteer it leaned on is blacklisted, its verification withdrawn', async () => {
    const { store } = await open();
    const ids = idsOf((await store.create(newJobs(2), T0)).jobs);
    const answer = (index: number, workerId: string): JobResult => ({ ...resultOf(index), workerId, workerClass: 'volunteer' });
    const verified: JobResult = {
      ...answer(4, 'identity-2'),
      verification: {
        state: 'verified',
        credibility: 0.9995,
        replicas: [
          { workerId: 'identity-1', workerClass: 'volunteer', top1: 4, agreed: true },
          { workerId: 'identity-2', workerClass: 'volunteer', top1: 4, agreed: true },
        ],
      },
    };
    // Both jobs done on identity-1's and identity-2's word: the first at T0 + 10, the second at T0 + 20.
    for (const [i, id] of ids.entries()) {
      const first = await leaseOne(store, V1, T0 + 10 * i);
      expect(first.jobId).toBe(id);
      await store.vote(first, V1.id, answer(4, 'identity-1'), false, T0 + 10 * i + 1);
      await store.complete(await leaseOne(store, V2, T0 + 10 * i + 2), V2.id, verified, T0 + 10 * (i + 1));
    }
    await store.expireImages(T0 + 10, T0 + 15, 10);

    const changed = await reopenedBy(store, 'identity-1', 'verifying again', 'identity-1 was blacklisted after the image expired');
    expect(idsOf(changed.reopened)).toEqual([ids[1]]);
    const withdrawn = {
      ...verified,
      verification: { ...verified.verification!, state: 'unverified', reason: 'identity-1 was blacklisted after the image expired' },
    };
    expect(changed.unverified).toEqual([expect.objectContaining({ id: ids[0], status: 'done', result: withdrawn, error: null, imageExpiredAt: iso(T0 + 15) })]);
    expect(await store.get(ids[0]!)).toEqual(changed.unverified[0]);
    // Its votes and timeline are as they were; it is not queued, so only the reopened job is leased to a third identity.
    expect(await store.votes(ids[0]!)).toEqual([{ identity: 'identity-1', network: null, leaseId: expect.any(String), answer: answer(4, 'identity-1') }]);
    expect(await store.counts()).toEqual({ queued: 1, leased: 0, done: 1, failed: 0 });
    expect((await leaseOne(store, V3, T0 + 30)).jobId).toBe(ids[1]);
    // Withdrawn once: another blacklisting leaves it as it is.
    expect(await reopenedBy(store, 'identity-2', 'again', 'again')).toEqual({ reopened: [], unverified: [] });
    expect(await store.expireJobs(T0 + 10, 10)).toEqual([ids[0]]);
  });

  it('forgets Idempotency-Keys first used by the horizon, oldest first, a batch at a time, with no submission to do it', async () => {
    const { store } = await open();
    for (const [i, key] of ['k0', 'k1', 'k2'].entries()) await store.create(newJobs(1), T0 + 10 * i, key);
    expect(await store.forgetIdempotencyKeys(T0 - 1, 10)).toBe(0);
    expect(await store.forgetIdempotencyKeys(T0 + 10, 1)).toBe(1);
    expect(await store.forgetIdempotencyKeys(T0 + 10, 10)).toBe(1);
    expect(await store.forgetIdempotencyKeys(T0 + 10, 10)).toBe(0);
    // The key not due is kept: its request again replays the job it made.
    const replay = await store.create(newJobs(1), T0 + 25, 'k2');
    expect(replay.replayed).toBe(true);
    expect(await store.counts()).toEqual({ queued: 3, leased: 0, done: 0, failed: 0 });
  });
});
