// Jobs waiting on a volunteer's votes are decided again when its credibility grows, on every store, with the real
// identity store and verifier: votes that could not settle a job settle it once their volunteer passed a spot
// check, with no other identity asked; a job leased meanwhile is left to its lease and remembered while open; a
// session remembers only the newest MAX_WAITING_VOTES jobs.
import { describe, expect, it } from 'vitest';
import { IDENTITY_STORE_KINDS } from '../../test/support/identity-stores.ts';
import { T0, leaseOne, newJobs, volunteerAnswer as answer } from '../../test/support/store-fixtures.ts';
import { STORE_KINDS } from '../../test/support/stores.ts';
import { useStoreKind } from '../../test/support/use-store-kind.ts';
import { WaitingVotes } from '../lifecycle/waiting-votes.ts';
import type { WorkerRef } from '../store/job-store.ts';
import { Verifier } from '../trust/verification.ts';
import { DEFAULT_VERIFICATION } from '../../test/support/verification-policy.ts';

// A new volunteer (credibility 0.9) cannot settle a job alone; one past a spot check (0.959) can.
const POLICY = { ...DEFAULT_VERIFICATION, targetError: 0.05 };
const volunteer = (identity: string): WorkerRef => ({ id: `${identity}-socket`, name: identity, backend: 'wasm', identity, workerClass: 'volunteer' });
const [V1, V2] = [volunteer('identity-1'), volunteer('identity-2')];

describe.each(STORE_KINDS)('$name store: waiting votes decided again', (kind) => {
  const open = useStoreKind(kind);

  it('settles the jobs a volunteer voted on once it passed a spot check, leaving a leased one to its lease', async () => {
    const { store } = await open();
    const identities = await IDENTITY_STORE_KINDS[0]!.open();
    try {
      const verifier = new Verifier(POLICY, identities.store);
      const waiting = new WaitingVotes(store, verifier, 32);
      const session = { waitingVotes: [] as string[] };
      const ids = (await store.create(newJobs(3), T0)).jobs.map((job) => job.id);
      for (const [i, id] of ids.slice(0, 2).entries()) {
        await store.vote(await leaseOne(store, V1, T0 + i), V1.id, answer(7, 'identity-1'), false, T0 + i);
        waiting.remember(session, id);
      }
      // Not credible yet: nothing changes, and both are still remembered.
      expect(await waiting.revisit(session, false)).toEqual([]);
      expect(session.waitingVotes).toEqual(ids.slice(0, 2));

      await identities.store.recordSpotCheck('identity-1', true);
      const leased = await leaseOne(store, V2, T0 + 5);
      expect(leased.jobId).toBe(ids[0]);
      const settled = await waiting.revisit(session, false);
      expect(settled.map((job) => job.id)).toEqual([ids[1]]);
      expect(settled[0]).toMatchObject({
        status: 'done',
        worker: 'identity-1',
        result: {
          predictions: [{ index: 7 }],
          workerId: 'identity-1',
          verification: { state: 'verified', replicas: [{ workerId: 'identity-1', top1: 7, agreed: true }] },
        },
      });
      expect(await store.get(ids[1]!)).toMatchObject({ status: 'done' });
      // The leased job is its lease's to decide, and still remembered; the job never voted on is untouched.
      expect(session.waitingVotes).toEqual([ids[0]]);
      expect(await store.get(ids[0]!)).toMatchObject({ status: 'leased', votes: 1 });
      expect(await store.get(ids[2]!)).toMatchObject({ status: 'queued', votes: 0 });
      // Its lease ends with a disagreeing vote that counts (identity-2 passed a check too): the job waits again, and
      // is not settled on identity-1's word.
      await identities.store.recordSpotCheck('identity-2', true);
      await store.vote(leased, V2.id, answer(8, 'identity-2'), false, T0 + 6);
      expect(await waiting.revisit(session, false)).toEqual([]);
      expect(await store.get(ids[0]!)).toMatchObject({ status: 'queued', votes: 2 });
      // A session remembers only the newest jobs, up to the bound.
      const few = { waitingVotes: [] as string[] };
      const bounded = new WaitingVotes(store, verifier, 2);
      for (const id of ids) bounded.remember(few, id);
      expect(few.waitingVotes).toEqual(ids.slice(1));
    } finally {
      await identities.dispose();
    }
  });
});
