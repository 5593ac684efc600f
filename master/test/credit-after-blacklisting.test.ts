// Credit once per job, through the real master on both stores: a job verified again after a volunteer it leaned on
// was blacklisted ends a second time on the same agreeing answers, and those answers earn nothing more. Otherwise
// throwaway identities that agree on jobs and then fail a spot check on purpose would farm credit for an accomplice.
import { describe, expect, it } from 'vitest';
import { answerCloseCall, classify, submitColours, useColourGold } from '../../test/support/colour-gold.ts';
import { settled, until } from '../../test/support/jobs-client.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import { CloseCode } from '../protocol.ts';

const colourGold = useColourGold();
const grid = useTestMasters();

describe.each(['sqlite', 'redis'] as const)('credit after a blacklisting on the %s store', (storeName) => {
  it('credits each agreeing volunteer once per job, also when the job is verified again without a blacklisted vote', async () => {
    // Every answer of the accomplice is a close call in half floats (CLOSE_CALL_MARGIN 0.1), so each job needs a second
    // identity.
    const m = await grid.start(storeName, { goldDir: colourGold.dir(), goldFraction: 0.5, targetError: 0.05, closeCallMargin: 0.1, maxWaitingVotes: 1_000 });
    const ids = await submitColours(m.url, 6);
    const accomplice = await grid.connect(m, { name: 'accomplice', credit: 2, onJob: (job, self) => answerCloseCall(job, self) });
    const A = accomplice.welcome.identity.workerId;
    await until(() => ids.every((id) => accomplice.jobs.some((job) => job.header.jobId === id)), "every job holding the accomplice's vote");
    // The throwaway identity answers jobs honestly; once told to, it fails its next spot check on purpose. Each
    // volunteer here comes from a network of its own: the identities of one count as one voter.
    let failChecks = false;
    const throwaway = await grid.connect(m, {
      name: 'throwaway',
      credit: 2,
      localAddress: '127.0.0.2',
      onJob: (job, self) => void classify(job).then((index) => self.succeed(job.header, failChecks && !ids.includes(job.header.jobId) ? 999 : index)),
    });
    const B = throwaway.welcome.identity.workerId;
    for (const job of await settled(m.url, ids, 20_000))
      expect(job.result!.verification!.replicas.map((r) => [r.workerId, r.agreed])).toEqual([
        [A, true],
        [B, true],
      ]);
    await until(async () => (await m.ledger.standing(A))?.images === ids.length, 'the accomplice credited for each job');
    accomplice.terminate();

    failChecks = true;
    // Jobs keep coming until a spot check reaches the throwaway (at GOLD_FRACTION 0.5, half the slots dealt to it).
    let closedWith: number | undefined;
    void throwaway.closed.then((code) => (closedWith = code));
    while (closedWith === undefined) {
      const more = await submitColours(m.url, 4);
      ids.push(...more);
      await until(() => closedWith !== undefined || more.every((id) => throwaway.jobs.some((job) => job.header.jobId === id)), 'the new jobs dealt');
    }
    expect(closedWith).toBe(CloseCode.identityRevoked);
    // Its socket is closed first, then the jobs done on its word are reopened.
    await until(() => m.lifecycle.counters.transitions.reopened >= 6, 'the jobs it verified reopened');
    // An honest newcomer finishes what the blacklisting reopened, and what the throwaway left.
    const answeredByNewcomer = new Set<string>();
    const newcomerWorker = await grid.connect(m, {
      name: 'newcomer',
      credit: 2,
      localAddress: '127.0.0.3',
      onJob: (job, self) =>
        void classify(job).then((index) => {
          self.succeed(job.header, index);
          answeredByNewcomer.add(job.header.jobId);
        }),
    });
    const newcomer = newcomerWorker.welcome.identity.workerId;
    // Its answers settle alone once it has passed more checks than the caught throwaway had (survival.ts), and a check
    // goes only to a volunteer some job is open to: jobs keep coming, as on a live grid, until every one is done. A
    // round waits for the newcomer's answers, not only for the jobs dealt: its classifier (sharp, in this process)
    // can lag far behind on two busy cores, and rounds that did not wait for it ran out while its answers were coming.
    const allDone = async () => (await Promise.all(ids.map((id) => m.store.get(id)))).every((job) => job?.status === 'done');
    for (let round = 0; !(await allDone()); round++) {
      expect(round).toBeLessThan(100);
      const more = await submitColours(m.url, 2);
      ids.push(...more);
      await until(async () => (await allDone()) || more.every((id) => answeredByNewcomer.has(id)), 'the newcomer to answer the new jobs', 60_000);
    }
    const jobs = await settled(m.url, ids, 20_000);
    for (const job of jobs.slice(0, 6)) {
      expect(job.result!.verification!.state).toBe('verified');
      expect(job.result!.verification!.replicas.map((r) => [r.workerId, r.agreed, r.blacklisted ?? false])).toEqual([
        [A, true, false],
        [B, true, true],
        [newcomer, true, false],
      ]);
    }
    // Each of the first jobs ended twice on the accomplice's answer: it was credited once for each. Every volunteer's
    // credit is the jobs it agreed in, once each.
    const earned = (workerId: string) =>
      jobs.filter((job) => job.result!.verification!.replicas.some((r) => r.workerId === workerId && r.agreed && !r.blacklisted)).length;
    expect(earned(A)).toBe(6);
    await until(async () => (await m.ledger.standing(newcomer))?.images === earned(newcomer), 'the newcomer credited for the jobs it verified');
    expect(await m.ledger.standing(A)).toMatchObject({ images: 6 });
  });
});
