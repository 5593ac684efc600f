// Votes and trusted-only jobs, one contract for every store: a volunteer's answer that does not settle a job is
// kept as a vote and the job goes to another identity; a trusted-only job never reaches a volunteer.
import { describe, expect, it } from 'vitest';
import type { JobResult } from '../api-types.ts';
import type { JobStore, Limits, WorkerRef } from '../store/job-store.ts';
import { STORE_KINDS } from '../../test/support/stores.ts';
import { useStoreKind } from '../../test/support/use-store-kind.ts';
import { T0, LEASE_MS, leaseOne, volunteerAnswer as answer, REOPENED_AT, reopenedBy } from '../../test/support/store-fixtures.ts';
import { FLEET, V1, V1b, V2, jobs, volunteer } from '../../test/support/store-voters.ts';

/** The votes a job holds, as settleWaiting is told of them: their lease ids. */
const seen = async (store: JobStore, jobId: string) => (await store.votes(jobId)).map((vote) => vote.leaseId);

describe.each(STORE_KINDS)('$name job store: votes and trusted-only jobs', (kind) => {
  const openStore = useStoreKind(kind);
  const open = async (limits: Partial<Limits> = {}): Promise<JobStore> => (await openStore(limits)).store;

  it('keeps an answer as a vote and requeues the job for other identities, using up no attempt', async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(1), T0);
    const id = created[0]!.id;
    const lease = await leaseOne(store, V1);
    const voted = await store.vote(lease, V1.id, answer(7, 'identity-1'), false, T0 + 1);
    expect(voted).toEqual({
      applied: true,
      job: expect.objectContaining({
        id,
        status: 'queued',
        queuedAt: new Date(T0 + 1).toISOString(),
        result: null,
        worker: null,
        trustedOnly: false,
        votes: 1,
      }),
    });
    // The vote is named by the lease that answered it.
    expect(await store.votes(id)).toEqual([{ identity: 'identity-1', network: 'net-identity-1', leaseId: lease.leaseId, answer: answer(7, 'identity-1') }]);
    // Never to the identity that answered, from any of its tabs; another identity gets it.
    expect(await store.lease([V1, V1b], LEASE_MS, T0 + 2)).toEqual([null, null]);
    const second = await leaseOne(store, V2, T0 + 3);
    expect(second.jobId).toBe(id);
    // The job says what it holds, leased or queued, in lists as in its own view.
    expect(await store.get(id)).toMatchObject({ status: 'leased', votes: 1 });
    await store.vote(second, V2.id, answer(7, 'identity-2'), false, T0 + 4);
    expect((await store.list({ limit: 10 })).jobs).toEqual([expect.objectContaining({ id, status: 'queued', votes: 2 })]);
    expect((await store.votes(id)).map((vote) => [vote.identity, vote.answer.predictions[0]!.index])).toEqual([
      ['identity-1', 7],
      ['identity-2', 7],
    ]);
    // The timeline says each answered, and shows no answer while the job is open.
    const detail = await store.getDetail(id);
    expect(detail!.timeline.map((attempt) => attempt.outcome)).toEqual(['answered', 'answered']);
    expect(JSON.stringify(detail!.timeline)).not.toContain('class 7');
    expect(detail!.error).toBeNull();
  });

  it('is fenced as complete is: a stale lease, another worker or an unknown job writes nothing', async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(1), T0);
    const lease = await leaseOne(store, V1);
    expect(await store.vote(lease, V2.id, answer(1, 'identity-2'), false, T0 + 1)).toEqual({ applied: false, reason: 'not-your-lease' });
    expect(await store.vote({ jobId: 'nope', leaseId: lease.leaseId }, V1.id, answer(1, 'identity-1'), false, T0 + 1)).toEqual({
      applied: false,
      reason: 'unknown-job',
    });
    await store.vote(lease, V1.id, answer(1, 'identity-1'), false, T0 + 1);
    expect(await store.vote(lease, V1.id, answer(2, 'identity-1'), false, T0 + 2)).toEqual({ applied: false, reason: 'stale-lease' });
    expect(await store.votes(created[0]!.id)).toHaveLength(1);
  });

  it('keeps the votes when the job is then completed, and the result is what complete wrote', async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(1), T0);
    await store.vote(await leaseOne(store, V1), V1.id, answer(3, 'identity-1'), false, T0 + 1);
    const last = await leaseOne(store, V2, T0 + 2);
    const done = await store.complete(last, V2.id, answer(3, 'identity-2'), T0 + 3);
    expect(done.applied && done.job).toMatchObject({ status: 'done', votes: 0 });
    expect((await store.votes(created[0]!.id)).map((vote) => vote.identity)).toEqual(['identity-1']);
  });

  it('settles a waiting job on its votes once they suffice: done, the vote it rests on its finishing attempt, counted as ended', async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(2), T0);
    const id = created[0]!.id;
    await store.vote(await leaseOne(store, V1), V1.id, answer(7, 'identity-1'), false, T0 + 1);
    await store.vote(await leaseOne(store, V2, T0 + 2), V2.id, answer(7, 'identity-2'), false, T0 + 3);
    const replicas = ['identity-1', 'identity-2'].map((workerId) => ({ workerId, workerClass: 'volunteer' as const, top1: 7, agreed: true }));
    const result = { ...answer(7, 'identity-2'), verification: { state: 'verified' as const, credibility: 0.9995, replicas } };
    const decidedOn = await seen(store, id);
    expect(decidedOn).toHaveLength(2);
    const settled = await store.settleWaiting(id, decidedOn, result, T0 + 10);
    expect(settled).toEqual({ applied: true, job: expect.objectContaining({ id, status: 'done', result, worker: 'volunteer-v2', error: null }) });
    expect((await store.getDetail(id))!.timeline.map((attempt) => [attempt.workerId, attempt.outcome])).toEqual([
      ['identity-1', 'answered'],
      ['identity-2', 'done'],
    ]);
    expect(await store.votes(id)).toEqual([{ identity: 'identity-1', network: 'net-identity-1', leaseId: decidedOn[0], answer: answer(7, 'identity-1') }]);
    expect(await store.counts()).toMatchObject({ queued: 1, done: 1 });
    // Ended now: retention counts from here; and backtracking finds it among the jobs done on identity-2's word (its
    // image expired, it stays done, unverified).
    expect((await store.expireImages(T0 + 10, T0 + 11, 10)).map((job) => job.id)).toEqual([id]);
    expect((await reopenedBy(store, 'identity-2', 'blacklisted', 'too late')).unverified.map((job) => job.id)).toEqual([id]);
    // Never twice, and no longer leased to anyone.
    expect(await store.settleWaiting(id, decidedOn, result, T0 + 12)).toEqual({ applied: false, reason: 'stale-lease' });
    expect((await store.lease([volunteer('v3', 'identity-3')], LEASE_MS, T0 + 13))[0]!.jobId).toBe(created[1]!.id);
  });

  it('settles a waiting job only while it holds exactly the votes decided on, and is queued', async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(1), T0);
    const id = created[0]!.id;
    const result = answer(7, 'identity-1');
    expect(await store.settleWaiting('nope', ['a-lease'], result, T0)).toEqual({ applied: false, reason: 'unknown-job' });
    // No vote yet: nothing to settle on.
    expect(await store.settleWaiting(id, [], result, T0)).toEqual({ applied: false, reason: 'stale-lease' });
    await store.vote(await leaseOne(store, V1), V1.id, answer(7, 'identity-1'), false, T0 + 1);
    const decidedOn = await seen(store, id);
    // Another vote came since the decision: that answer's own decision wins.
    expect(await store.settleWaiting(id, [], result, T0 + 2)).toEqual({ applied: false, reason: 'stale-lease' });
    // Nor on a vote it does not hold.
    expect(await store.settleWaiting(id, ['not-a-vote-of-it'], result, T0 + 2)).toEqual({ applied: false, reason: 'stale-lease' });
    // Leased meanwhile: the lease's answer decides.
    const lease = await leaseOne(store, V2, T0 + 3);
    expect(await store.settleWaiting(id, decidedOn, result, T0 + 4)).toEqual({ applied: false, reason: 'stale-lease' });
    expect(await store.get(id)).toMatchObject({ status: 'leased', votes: 1 });
    expect((await store.complete(lease, V2.id, answer(7, 'identity-2'), T0 + 5)).applied).toBe(true);
  });

  it('settles a waiting job only on the votes decided on, though as many came back after a retry, from the same identity', async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(1), T0);
    const id = created[0]!.id;
    await store.vote(await leaseOne(store, V1), V1.id, answer(7, 'identity-1'), false, T0 + 1);
    const decidedOn = await seen(store, id);
    // Decided on identity-1's vote for 7, one vote held; meanwhile a trusted worker fails the job, it is retried (its
    // votes cleared) and identity-1 votes again, for 2: one vote from the same identity, not the one decided on.
    expect((await store.fail(await leaseOne(store, FLEET, T0 + 2), FLEET.id, 'cannot decode', false, T0 + 3)).applied).toBe(true);
    expect(await store.retry(id, Date.now())).toMatchObject({ job: { status: 'queued', votes: 0 } });
    await store.vote(await leaseOne(store, V1b, T0 + 4), V1b.id, answer(2, 'identity-1'), false, T0 + 5);
    expect(await store.settleWaiting(id, decidedOn, answer(7, 'identity-1'), T0 + 6)).toEqual({ applied: false, reason: 'stale-lease' });
    expect(await store.get(id)).toMatchObject({ status: 'queued', result: null, votes: 1 });
    expect((await store.getDetail(id))!.timeline.map((attempt) => [attempt.workerId, attempt.outcome])).toEqual([['identity-1', 'answered']]);
    // The vote it holds still settles it.
    const settled = await store.settleWaiting(id, await seen(store, id), answer(2, 'identity-1'), T0 + 7);
    expect(settled).toEqual({ applied: true, job: expect.objectContaining({ id, status: 'done', result: answer(2, 'identity-1'), worker: 'volunteer-v1b' }) });
  });

  it("reopens the jobs done on a blacklisted identity's word, keeping every answer as a vote, and no others", async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(3), T0);
    const verified = (top1: number, replicas: [string, boolean][], state: 'verified' | 'trusted' = 'verified'): JobResult => ({
      ...answer(top1, replicas.at(-1)![0]),
      verification: {
        state,
        credibility: 0.9995,
        replicas: replicas.map(([workerId, agreed]) => ({ workerId, workerClass: 'volunteer' as const, top1: agreed ? top1 : top1 + 1, agreed })),
      },
    });
    // Job 0: identity-1 voted, identity-2 finished it. Job 1: identity-1 disagreed. Job 2: a trusted worker decided.
    await store.vote(await leaseOne(store, V1), V1.id, answer(4, 'identity-1'), false, T0 + 1);
    await store.complete(
      await leaseOne(store, V2, T0 + 2),
      V2.id,
      verified(4, [
        ['identity-1', true],
        ['identity-2', true],
      ]),
      T0 + 3,
    );
    await store.vote(await leaseOne(store, V1, T0 + 4), V1.id, answer(5, 'identity-1'), false, T0 + 5);
    await store.complete(
      await leaseOne(store, V2, T0 + 6),
      V2.id,
      verified(4, [
        ['identity-1', false],
        ['identity-2', true],
      ]),
      T0 + 7,
    );
    await store.vote(await leaseOne(store, V1, T0 + 8), V1.id, answer(4, 'identity-1'), false, T0 + 9);
    await store.complete(
      await leaseOne(store, FLEET, T0 + 10),
      FLEET.id,
      verified(
        4,
        [
          ['identity-1', true],
          ['fleet-identity', true],
        ],
        'trusted',
      ),
      T0 + 11,
    );

    const { reopened, unverified } = await reopenedBy(store, 'identity-1', 'identity-1 was blacklisted', 'unused: every image is kept');
    expect(reopened.map((job) => [job.id, job.status, job.result, job.error, job.votes, job.worker, job.queuedAt])).toEqual([
      [created[0]!.id, 'queued', null, 'identity-1 was blacklisted', 2, null, new Date(REOPENED_AT).toISOString()],
    ]);
    expect(unverified).toEqual([]);
    expect(await store.votes(created[0]!.id)).toEqual([
      { identity: 'identity-1', network: 'net-identity-1', leaseId: expect.any(String), answer: answer(4, 'identity-1') },
      { identity: 'identity-2', network: 'net-identity-2', leaseId: expect.any(String), answer: answer(4, 'identity-2') },
    ]);
    expect((await store.get(created[1]!.id))!.status).toBe('done');
    expect((await store.get(created[2]!.id))!.status).toBe('done');
    // Neither voter is asked again; a third identity is.
    expect(await store.lease([V1, V2], LEASE_MS, T0 + 12)).toEqual([null, null]);
    expect((await leaseOne(store, volunteer('v3', 'identity-3'), T0 + 13)).jobId).toBe(created[0]!.id);
    expect(await reopenedBy(store, 'identity-1', 'again', 'again')).toEqual({ reopened: [], unverified: [] });
  });

  it('walks the jobs in steps of at most limits.reopenBatch, each told as it commits', async () => {
    const store = await open({ reopenBatch: 2 });
    const { jobs: created } = await store.create(jobs(5), T0);
    const onIdentity1: JobResult = {
      ...answer(4, 'identity-1'),
      verification: { state: 'verified', credibility: 0.9995, replicas: [{ workerId: 'identity-1', workerClass: 'volunteer', top1: 4, agreed: true }] },
    };
    for (let i = 0; i < created.length; i++) await store.complete(await leaseOne(store, V1, T0 + i), V1.id, onIdentity1, T0 + i);
    const steps: string[][] = [];
    const walk = {
      reason: 'identity-1 was blacklisted',
      now: () => T0,
      imageExpiredReason: 'unused',
      answersFullReason: 'unused',
      trustedWorkerConnected: false,
    };
    await store.reopenAnsweredBy('identity-1', walk, (step) => {
      expect(step.unverified).toEqual([]);
      steps.push(step.reopened.map((job) => job.id));
    });
    expect(steps.every((step) => step.length <= 2)).toBe(true);
    expect(steps.flat().sort()).toEqual(created.map((job) => job.id).sort());
  });

  it("stamps each step's reopened jobs with the walk's clock as that step reads it, not as the walk began", async () => {
    // The walk commits in steps, the event loop free between them: a job another volunteer leased and finished on
    // identity-1's vote meanwhile, reopened by a later step at the walk's first instant, would have gone back into the
    // queue before that lease began.
    const store = await open({ reopenBatch: 2 });
    const { jobs: created } = await store.create(jobs(5), T0);
    const onIdentity1: JobResult = {
      ...answer(4, 'identity-1'),
      verification: { state: 'verified', credibility: 0.9995, replicas: [{ workerId: 'identity-1', workerClass: 'volunteer', top1: 4, agreed: true }] },
    };
    for (let i = 0; i < created.length; i++) await store.complete(await leaseOne(store, V1, T0 + i), V1.id, onIdentity1, T0 + i);
    let clock = REOPENED_AT;
    const stamped: { queuedAt: string | null; stepAt: number }[] = [];
    const walk = {
      reason: 'identity-1 was blacklisted',
      now: () => clock,
      imageExpiredReason: 'unused',
      answersFullReason: 'unused',
      trustedWorkerConnected: false,
    };
    await store.reopenAnsweredBy('identity-1', walk, (step) => {
      for (const job of step.reopened) stamped.push({ queuedAt: job.queuedAt, stepAt: clock });
      // Time passes between steps.
      clock += 1_000;
    });
    expect(new Set(stamped.map((job) => job.stepAt)).size).toBe(3);
    expect(stamped.map((job) => job.queuedAt)).toEqual(stamped.map((job) => new Date(job.stepAt).toISOString()));
  });

  it("reopens a job finished on an earlier vote with the finisher's own answer as its vote, never a copy of the result", async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(2), T0);
    // identity-1 voted 4; identity-2 answered 7 and finished the job, on identity-1's answer (the result is its).
    const onIdentity1: JobResult = {
      ...answer(4, 'identity-1'),
      verification: {
        state: 'verified',
        credibility: 0.9995,
        replicas: [
          { workerId: 'identity-1', workerClass: 'volunteer', top1: 4, agreed: true },
          { workerId: 'identity-2', workerClass: 'volunteer', top1: 7, agreed: false },
        ],
      },
    };
    await store.vote(await leaseOne(store, V1), V1.id, answer(4, 'identity-1'), false, T0 + 1);
    expect((await store.complete(await leaseOne(store, V2, T0 + 2), V2.id, onIdentity1, T0 + 3, answer(7, 'identity-2'))).applied).toBe(true);
    expect(await store.get(created[0]!.id)).toMatchObject({ status: 'done', result: onIdentity1 });
    // The same on a job finished before finishers kept their own answer: its answer unknown, it is not made a vote.
    await store.vote(await leaseOne(store, V1, T0 + 4), V1.id, answer(4, 'identity-1'), false, T0 + 5);
    expect((await store.complete(await leaseOne(store, V2, T0 + 6), V2.id, onIdentity1, T0 + 7)).applied).toBe(true);

    const { reopened } = await reopenedBy(store, 'identity-1', 'identity-1 was blacklisted', 'unused');
    expect(Object.fromEntries(reopened.map((job) => [job.id, job.votes]))).toEqual({ [created[0]!.id]: 2, [created[1]!.id]: 1 });
    // Each vote is its own identity's answer: identity-2 says 7, and identity-1's 4 counts once.
    expect(await store.votes(created[0]!.id)).toEqual([
      { identity: 'identity-1', network: 'net-identity-1', leaseId: expect.any(String), answer: answer(4, 'identity-1') },
      { identity: 'identity-2', network: 'net-identity-2', leaseId: expect.any(String), answer: answer(7, 'identity-2') },
    ]);
    expect((await store.votes(created[1]!.id)).map((vote) => [vote.identity, vote.answer])).toEqual([['identity-1', answer(4, 'identity-1')]]);
    // identity-2, whose vote is kept, is not asked again; on the other job, whose vote it lost, it may answer again.
    expect((await leaseOne(store, V2, T0 + 8)).jobId).toBe(created[1]!.id);
  });

  it('holds no votes on a lease that is its attempt 1: on its first lease, and on its first after a retry', async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(1), T0);
    const id = created[0]!.id;
    const first = await leaseOne(store, V1);
    expect([first.attempt, await store.votes(id)]).toEqual([1, []]);
    await store.vote(first, V1.id, answer(7, 'identity-1'), false, T0 + 1);
    const second = await leaseOne(store, FLEET, T0 + 2);
    expect([second.attempt, (await store.votes(id)).length]).toEqual([2, 1]);
    expect(await store.fail(second, FLEET.id, 'not an image', false, T0 + 3)).toMatchObject({ applied: true, job: { status: 'failed' } });
    expect(await store.get(id)).toMatchObject({ status: 'failed', votes: 0 });
    expect(await store.retry(id, Date.now())).toMatchObject({ job: { status: 'queued', votes: 0 } });
    const afresh = await leaseOne(store, V1, T0 + 4);
    expect([afresh.jobId, afresh.attempt, await store.votes(id)]).toEqual([id, 1, []]);
  });

  it('reads at most LEASE_SCAN_LIMIT queued jobs for a worker, skipping those its identity answered', async () => {
    const store = await open({ leaseScanLimit: 3 });
    const { jobs: created } = await store.create(jobs(5), T0);
    for (let i = 0; i < 3; i++) await store.vote(await leaseOne(store, V1, T0 + i), V1.id, answer(4, 'identity-1'), false, T0 + i);
    // The three oldest wait for other identities; the two behind them are past identity-1's limit for now.
    expect(await store.lease([V1], LEASE_MS, T0 + 10)).toEqual([null]);
    expect((await leaseOne(store, V2, T0 + 11)).jobId).toBe(created[0]!.id);
    // One of the three leased to another: the window moves on, and identity-1 reaches the fourth.
    expect((await leaseOne(store, V1, T0 + 12)).jobId).toBe(created[3]!.id);
  });

  it('finds the first job an identity may take past a long run of jobs it answered, in queue order', async () => {
    const store = await open({ leaseScanLimit: 20 });
    const { jobs: created } = await store.create(jobs(14), T0);
    for (let i = 0; i < 11; i++) await store.vote(await leaseOne(store, V1, T0 + i), V1.id, answer(4, 'identity-1'), false, T0 + i);
    const [next, after] = await store.lease([V1, V1], LEASE_MS, T0 + 20);
    expect([next?.jobId, after?.jobId]).toEqual([created[11]!.id, created[12]!.id]);
    expect((await leaseOne(store, V2, T0 + 21)).jobId).toBe(created[0]!.id);
  });

  it("never deals a job to another identity of a network holding MAX_VOTERS_PER_NETWORK of its votes; other networks' and the fleet's take it", async () => {
    // Identities minted on one address, one network: they would each vote, and use up the job's replicas.
    const sibling = (n: number): WorkerRef => ({ ...volunteer(`s${n}`, `sibling-${n}`), network: V1.network });
    const untagged: WorkerRef = { ...volunteer('u', 'untagged'), network: undefined };
    const fleetOnV1sNetwork: WorkerRef = { ...FLEET, network: V1.network };
    for (const votersPerNetwork of [1, 2]) {
      const store = await open({ maxVotersPerNetwork: votersPerNetwork });
      const { jobs: created } = await store.create(jobs(1), T0);
      const id = created[0]!.id;
      await store.vote(await leaseOne(store, V1), V1.id, answer(7, 'identity-1'), false, T0 + 1);
      for (let n = 1; n < votersPerNetwork; n++) {
        const lease = await leaseOne(store, sibling(n), T0 + 1 + n);
        expect(lease.jobId).toBe(id);
        await store.vote(lease, sibling(n).id, answer(7, `sibling-${n}`), false, T0 + 1 + n);
      }
      const next = sibling(votersPerNetwork);
      expect(await store.openTo([next, V2, fleetOnV1sNetwork, untagged])).toEqual([false, true, true, true]);
      expect(await store.lease([next], LEASE_MS, T0 + 10)).toEqual([null]);
      // Another network's volunteer takes it; its vote changes nothing for the first network.
      await store.vote(await leaseOne(store, V2, T0 + 11), V2.id, answer(7, 'identity-2'), false, T0 + 12);
      expect(await store.lease([next], LEASE_MS, T0 + 13)).toEqual([null]);
      expect(await store.get(id)).toMatchObject({ status: 'queued', votes: votersPerNetwork + 1 });
      expect((await leaseOne(store, fleetOnV1sNetwork, T0 + 14)).jobId).toBe(id);
    }
  });

  it('never leases a trusted-only job to a volunteer, and leases it to a trusted worker', async () => {
    const store = await open();
    const { jobs: created } = await store.create([...jobs(1, true), ...jobs(1)], T0);
    expect(created.map((job) => job.trustedOnly)).toEqual([true, false]);
    // The volunteer skips the older, trusted-only job.
    expect((await leaseOne(store, V1)).jobId).toBe(created[1]!.id);
    expect(await store.lease([V2], LEASE_MS, T0 + 1)).toEqual([null]);
    expect((await leaseOne(store, FLEET, T0 + 2)).jobId).toBe(created[0]!.id);
  });

  it('makes a job trusted-only from a vote on, when asked', async () => {
    const store = await open();
    const { jobs: created } = await store.create(jobs(1), T0);
    const voted = await store.vote(await leaseOne(store, V1), V1.id, answer(5, 'identity-1'), true, T0 + 1);
    expect(voted.applied && voted.job.trustedOnly).toBe(true);
    expect(await store.lease([V2], LEASE_MS, T0 + 2)).toEqual([null]);
    expect((await leaseOne(store, FLEET, T0 + 3)).jobId).toBe(created[0]!.id);
  });
});
