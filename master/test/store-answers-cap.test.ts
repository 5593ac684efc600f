// MAX_ANSWERS_PER_JOB in the store contract, for every store: a job holding that many votes goes to trusted workers
// only, and one a backtracking would reopen holding that many is reopened for the fleet or, with none connected, left
// done and unverified, saying why.
import { describe, expect, it } from 'vitest';
import type { JobResult, JobView } from '../api-types.ts';
import type { JobStore, Limits } from '../store/job-store.ts';
import { STORE_KINDS } from '../../test/support/stores.ts';
import { useStoreKind } from '../../test/support/use-store-kind.ts';
import { T0, LEASE_MS, ANSWERS_FULL_REASON, leaseOne, volunteerAnswer as answer, reopenedBy } from '../../test/support/store-fixtures.ts';
import { FLEET, V1, V2, jobs, volunteer } from '../../test/support/store-voters.ts';

describe.each(STORE_KINDS)('$name job store: MAX_ANSWERS_PER_JOB', (kind) => {
  const openStore = useStoreKind(kind);
  const open = async (limits: Partial<Limits> = {}): Promise<JobStore> => (await openStore(limits)).store;

  it('makes a job trusted-only once it holds limits.maxAnswersPerJob votes, whatever the caller asked, and deals it to no volunteer', async () => {
    const store = await open({ maxAnswersPerJob: 2 });
    const { jobs: created } = await store.create(jobs(1), T0);
    const id = created[0]!.id;
    const first = await store.vote(await leaseOne(store, V1), V1.id, answer(5, 'identity-1'), false, T0 + 1);
    expect(first.applied && [first.job.votes, first.job.trustedOnly]).toEqual([1, false]);
    const second = await store.vote(await leaseOne(store, V2, T0 + 2), V2.id, answer(5, 'identity-2'), false, T0 + 3);
    expect(second.applied && [second.job.votes, second.job.trustedOnly]).toEqual([2, true]);
    const V3 = volunteer('v3', 'identity-3');
    expect(await store.openTo([V3, FLEET])).toEqual([false, true]);
    expect(await store.lease([V3], LEASE_MS, T0 + 4)).toEqual([null]);
    expect((await leaseOne(store, FLEET, T0 + 5)).jobId).toBe(id);
  });

  it('marks trusted-only a job left holding more votes than a lowered limits.maxAnswersPerJob, and deals volunteers the jobs behind it', async () => {
    const data = await openStore();
    // One request: the jobs share a partition, so the lease that follows scans them in order.
    const { jobs: created } = await data.store.create(jobs(3), T0);
    const [over, alsoOver, plain] = created.map((job) => job.id);
    // identity-1 votes on the first two under the default limit (20): neither is trusted-only.
    for (const at of [1, 2]) await data.store.vote(await leaseOne(data.store, V1, T0 + at), V1.id, answer(5, 'identity-1'), false, T0 + at);
    // The limit lowered to 1 at a restart, with the lease scanning the two oldest queued jobs only.
    const store = await data.restart(data.store, { maxAnswersPerJob: 1, leaseScanLimit: 2 });
    // Before, the lease passed over both and scanned no further: no volunteer was dealt anything, for ever.
    expect((await leaseOne(store, V2, T0 + 3)).jobId).toBe(plain);
    expect([await store.get(over!), await store.get(alsoOver!)].map((job) => [job?.status, job?.votes, job?.trustedOnly])).toEqual([
      ['queued', 1, true],
      ['queued', 1, true],
    ]);
    expect(await store.lease([volunteer('v3', 'identity-3')], LEASE_MS, T0 + 4)).toEqual([null]);
    expect((await leaseOne(store, FLEET, T0 + 5)).jobId).toBe(over);
  });

  it('tells the jobs a lease or openTo marks trusted-only, as they are now, and nothing when it marks none', async () => {
    const data = await openStore();
    const { jobs: created } = await data.store.create(jobs(3), T0);
    const [over, alsoOver, plain] = created.map((job) => job.id);
    for (const at of [1, 2]) await data.store.vote(await leaseOne(data.store, V1, T0 + at), V1.id, answer(5, 'identity-1'), false, T0 + at);
    const store = await data.restart(data.store, { maxAnswersPerJob: 1, leaseScanLimit: 2 });
    const told: JobView[][] = [];
    const capped = (marked: JobView[]) => told.push(marked);
    const seen = () => told.flat().map((job) => [job.id, job.status, job.votes, job.trustedOnly]);
    const marked = [over, alsoOver].sort().map((id) => [id, 'queued', 1, true]);
    // openTo marks them too on Redis (open-to.lua); SQLite's only reads, leaving them to the lease.
    expect(await store.openTo([V2], capped)).toEqual([kind.name !== 'sqlite']);
    if (kind.name === 'sqlite') {
      expect(told).toEqual([]);
      expect((await store.lease([V2], LEASE_MS, T0 + 3, capped))[0]?.jobId).toBe(plain);
    }
    // Before, nothing was told: the boards heard of the change at the job's next event.
    expect(seen().sort()).toEqual(marked);
    told.length = 0;
    await store.lease([volunteer('v3', 'identity-3'), FLEET], LEASE_MS, T0 + 4, capped);
    expect(told).toEqual([]);
  });

  it('tells a job as the volunteer lease marked it, queued, even when a trusted worker later in the same lease takes it', async () => {
    const data = await openStore();
    const { jobs: created } = await data.store.create(jobs(2), T0);
    const [over, plain] = created.map((job) => job.id);
    await data.store.vote(await leaseOne(data.store, V1, T0 + 1), V1.id, answer(5, 'identity-1'), false, T0 + 1);
    const store = await data.restart(data.store, { maxAnswersPerJob: 1 });
    const told: JobView[] = [];
    const leases = await store.lease([V2, FLEET], LEASE_MS, T0 + 2, (marked) => told.push(...marked));
    expect(leases.map((lease) => lease?.jobId)).toEqual([plain, over]);
    // The answers-capped event goes out before the leased one: its job is the queued one the lease marked (before, on
    // SQLite, the job as the whole lease left it: leased to the fleet worker, before its 'leased' event).
    expect(told.map((job) => [job.id, job.status, job.trustedOnly, job.worker])).toEqual([[over, 'queued', true, null]]);
  });

  /** A job done on identity-2's word, holding identity-1's vote for the same answer: 2 answers once reopened. */
  async function doneOnTwoAnswers(store: JobStore): Promise<{ id: string; result: JobResult }> {
    const { jobs: created } = await store.create(jobs(1), T0);
    await store.vote(await leaseOne(store, V1), V1.id, answer(4, 'identity-1'), false, T0 + 1);
    const result: JobResult = {
      ...answer(4, 'identity-2'),
      verification: {
        state: 'verified',
        credibility: 0.9995,
        replicas: ['identity-1', 'identity-2'].map((workerId) => ({ workerId, workerClass: 'volunteer' as const, top1: 4, agreed: true })),
      },
    };
    await store.complete(await leaseOne(store, V2, T0 + 2), V2.id, result, T0 + 3);
    return { id: created[0]!.id, result };
  }

  it('makes a job reopened holding limits.maxAnswersPerJob votes trusted-only when a trusted worker is connected', async () => {
    const store = await open({ maxAnswersPerJob: 2 });
    const { id } = await doneOnTwoAnswers(store);
    const { reopened } = await reopenedBy(store, 'identity-2', 'identity-2 was blacklisted', 'unused: every image is kept', { trustedWorkerConnected: true });
    expect(reopened.map((job) => [job.id, job.status, job.votes, job.trustedOnly])).toEqual([[id, 'queued', 2, true]]);
    expect(await store.lease([volunteer('v3', 'identity-3')], LEASE_MS, T0 + 4)).toEqual([null]);
    expect((await leaseOne(store, FLEET, T0 + 5)).jobId).toBe(id);
  });

  it('leaves a job that would hold limits.maxAnswersPerJob votes done and unverified, saying why, when no trusted worker is connected', async () => {
    const store = await open({ maxAnswersPerJob: 2 });
    const { id, result } = await doneOnTwoAnswers(store);
    const before = await store.getDetail(id);
    // Before, it was reopened for trusted workers only whether one was connected or not: with none, it waited for ever.
    const walked = await reopenedBy(store, 'identity-2', 'identity-2 was blacklisted', 'unused: every image is kept');
    const unverified = { ...result, verification: { ...result.verification!, state: 'unverified', reason: ANSWERS_FULL_REASON } };
    expect(walked).toEqual({ reopened: [], unverified: [expect.objectContaining({ id, status: 'done', result: unverified, trustedOnly: false })] });
    // Nothing else changed: its answers as they were, ended when it ended, in no queue.
    expect(await store.getDetail(id)).toEqual({ ...before, result: unverified });
    expect(await store.votes(id)).toHaveLength(1);
    expect(await store.counts()).toMatchObject({ queued: 0, done: 1 });
    expect(await store.lease([volunteer('v3', 'identity-3'), FLEET], LEASE_MS, T0 + 4)).toEqual([null, null]);
    // It no longer leans on anyone (its result says why already): a walk again changes nothing.
    expect(await reopenedBy(store, 'identity-1', 'again', 'again')).toEqual({ reopened: [], unverified: [] });
  });

  it('reopens a job holding fewer than limits.maxAnswersPerJob votes for volunteers, with no trusted worker connected', async () => {
    const store = await open({ maxAnswersPerJob: 3 });
    const { id } = await doneOnTwoAnswers(store);
    const { reopened } = await reopenedBy(store, 'identity-2', 'identity-2 was blacklisted', 'unused: every image is kept');
    expect(reopened.map((job) => [job.id, job.status, job.votes, job.trustedOnly])).toEqual([[id, 'queued', 2, false]]);
    expect((await leaseOne(store, volunteer('v3', 'identity-3'), T0 + 4)).jobId).toBe(id);
  });
});
