// A volunteer's failure is a vote, not a verdict, on every store: a job a volunteer cannot process goes to other
// identities only; an identity is counted once (a volunteer is never leased again a job it held), and those of one
// network once together;
// volunteers alone never fail a job, and past a cap hand it to trusted workers, whose word or attempts do
// (attempt-rules.ts and its Lua twin).
import { describe, expect, it } from 'vitest';
import { WAITS_FOR_TRUSTED } from '../store/attempt-rules.ts';
import type { Lease, WorkerRef } from '../store/job-store.ts';
import { STORE_KINDS } from '../../test/support/stores.ts';
import { useStoreKind } from '../../test/support/use-store-kind.ts';
import { T0, LEASE_MS, leaseOne, newJobs, resultOf, storeWithJobs, TRUSTED_WORKERS, volunteerRef as volunteer } from '../../test/support/store-fixtures.ts';

const [A] = TRUSTED_WORKERS as [WorkerRef];
/** V1 and V1b are two tabs (sockets) of one identity, V2 and V3 other identities. */
const V1 = volunteer('v1', 'identity-1');
const V1b = volunteer('v1b', 'identity-1');
const V2 = volunteer('v2', 'identity-2');
const V3 = volunteer('v3', 'identity-3');

describe.each(STORE_KINDS)('$name job store', (kind) => {
  const withJobs = storeWithJobs(useStoreKind(kind));

  describe("a volunteer's failure is a vote", () => {
    it('requeues a job a volunteer cannot process, for other identities only, and leaves it to trusted workers when the quorum agrees', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 9, maxLeases: 9, failureQuorum: 2 });
      const first = await store.fail(await leaseOne(store, V1), V1.id, 'cannot decode', false, T0 + 1);
      expect(first).toEqual({ applied: true, job: expect.objectContaining({ status: 'queued', trustedOnly: false, error: 'cannot decode' }) });
      // Neither that tab nor another tab of the same identity gets it again.
      expect(await store.lease([V1, V1b], LEASE_MS, T0 + 2)).toEqual([null, null]);
      const second = await store.fail(await leaseOne(store, V2, T0 + 3), V2.id, 'cannot decode either', false, T0 + 4);
      expect(second).toEqual({
        applied: true,
        job: expect.objectContaining({ id: ids[0], status: 'queued', trustedOnly: true, error: `cannot decode either; ${WAITS_FOR_TRUSTED}` }),
      });
      expect(await store.lease([V3], LEASE_MS, T0 + 5)).toEqual([null]);
      const third = await store.fail(await leaseOne(store, A, T0 + 6), A.id, 'cannot decode', false, T0 + 7);
      expect(third).toEqual({
        applied: true,
        job: expect.objectContaining({
          status: 'failed',
          error:
            'attempt 1, worker volunteer-v1 (volunteer): failed (cannot decode); attempt 2, worker volunteer-v2 (volunteer): failed (cannot decode either); ' +
            'attempt 3, worker worker-a (operator fleet): failed (cannot decode)',
        }),
      });
      const detail = await store.getDetail(ids[0]!);
      expect(detail!.timeline.map((a) => [a.workerId, a.workerClass])).toEqual([
        ['identity-1', 'volunteer'],
        ['identity-2', 'volunteer'],
        ['a', 'trusted'],
      ]);
    });

    it('cannot be made to fail a job by identities minted to drop it: past MAX_LEASES a trusted worker finishes it', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 9, maxLeases: 3 });
      const sybils = ['s1', 's2', 's3', 's4'].map((id) => volunteer(id, `sybil-${id}`));
      for (const [i, sybil] of sybils.slice(0, 3).entries()) {
        const outcome = await store.release(await leaseOne(store, sybil, T0 + 2 * i), 'lost', 'tab closed', T0 + 2 * i + 1);
        expect(outcome.applied && outcome.job).toMatchObject({ status: 'queued', trustedOnly: i === 2 });
      }
      expect(await store.lease([sybils[3]!], LEASE_MS, T0 + 10)).toEqual([null]);
      const lease = await leaseOne(store, A, T0 + 11);
      expect((await store.complete(lease, A.id, resultOf(4), T0 + 12)).applied).toBe(true);
      expect(await store.get(ids[0]!)).toMatchObject({ status: 'done', attempts: 4 });
    });

    it('counts the identities of one network once: identities minted on one address hand no job to trusted workers', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 2, maxLeases: 3, failureQuorum: 2 });
      const onNetwork = (id: string, network: string) => ({ ...volunteer(id, `identity-${id}`), network });
      const sybils = ['s1', 's2', 's3', 's4', 's5'].map((id) => onNetwork(id, 'net-1'));
      let now = T0;
      for (const [i, sybil] of sybils.entries()) {
        const lease = await leaseOne(store, sybil, ++now);
        const outcome = await [
          () => store.fail(lease, sybil.id, 'cannot decode', false, ++now),
          () => store.release(lease, 'expired', 'late', ++now),
          () => store.release(lease, 'lost', 'tab closed', ++now),
        ][i % 3]!();
        expect(outcome.applied && outcome.job).toMatchObject({ status: 'queued', trustedOnly: false });
      }
      // An identity from another network is independent: with it, two voters called the job unprocessable.
      const other = onNetwork('o1', 'net-2');
      const outcome = await store.fail(await leaseOne(store, other, ++now), other.id, 'cannot decode', false, ++now);
      expect(outcome.applied && outcome.job).toMatchObject({ id: ids[0], status: 'queued', trustedOnly: true });
    });

    it("fails at once on a trusted worker's word, after a volunteer's", async () => {
      const { store } = await withJobs(1, { failureQuorum: 3 });
      await store.fail(await leaseOne(store, V1), V1.id, 'cannot decode', false, T0 + 1);
      const outcome = await store.fail(await leaseOne(store, A, T0 + 2), A.id, 'cannot decode', false, T0 + 3);
      expect(outcome.applied && outcome.job.status).toBe('failed');
    });

    it('leases the other workers their jobs when one identity is left without any', async () => {
      const { store, ids } = await withJobs(2, { failureQuorum: 2 });
      await store.fail(await leaseOne(store, V1), V1.id, 'cannot decode', false, T0 + 1);
      // The job V1 voted against is now behind the other in the queue for V1 only.
      const [forV1, forV2, forV3] = await store.lease([V1, V2, V3], LEASE_MS, T0 + 2);
      expect([forV1?.jobId, forV2?.jobId, forV3]).toEqual([ids[1], ids[0], null]);
    });

    it('requeues a job whose answer was refused as nonsense, for other identities only', async () => {
      const { store, ids } = await withJobs(2, { maxAttempts: 1, maxLeases: 9 });
      const lease = await leaseOne(store, V1);
      expect(await store.refuse(lease, V2.id, 'nonsense', T0 + 1)).toEqual({ applied: false, reason: 'not-your-lease' });
      const outcome = await store.refuse(lease, V1.id, 'answer refused: unknown backend', T0 + 1);
      expect(outcome).toEqual({
        applied: true,
        job: expect.objectContaining({ id: ids[0], status: 'queued', result: null, error: 'answer refused: unknown backend' }),
      });
      expect(await store.refuse(lease, V1.id, 'again', T0 + 2)).toEqual({ applied: false, reason: 'stale-lease' });
      expect((await leaseOne(store, V1b, T0 + 3)).jobId).toBe(ids[1]);
      expect((await leaseOne(store, V2, T0 + 4)).jobId).toBe(ids[0]);
      const detail = await store.getDetail(ids[0]!);
      expect(detail!.timeline.map((a) => a.outcome)).toEqual(['refused', 'running']);
    });

    it('forgets the votes when the job is retried', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 1, maxLeases: 9 });
      await store.refuse(await leaseOne(store, V1), V1.id, 'nonsense', T0 + 1);
      expect(await store.lease([V1b], LEASE_MS, T0 + 2)).toEqual([null]);
      await store.fail(await leaseOne(store, A, T0 + 2), A.id, 'out of memory', true, T0 + 3);
      expect((await store.get(ids[0]!))?.status).toBe('failed');
      await store.retry(ids[0]!, Date.now());
      expect((await leaseOne(store, V1b, T0 + 2)).jobId).toBe(ids[0]);
    });

    it('tells which workers lease would give a job now, leasing nothing: a private job is open to trusted workers only', async () => {
      const store = (await withJobs(0)).store;
      expect(await store.openTo([V1, A])).toEqual([false, false]);
      await store.create([{ ...newJobs(1)[0]!, trustedOnly: true }], T0);
      expect(await store.openTo([V1, A])).toEqual([false, true]);
      const { jobs } = await store.create(newJobs(1), T0);
      expect(await store.openTo([V1, V2, A])).toEqual([true, true, true]);
      // Not a job this identity held: its other tab finds nothing open either.
      await store.release(await leaseOne(store, V1, T0 + 1), 'lost', 'tab closed', T0 + 2);
      expect(await store.openTo([V1b, V2])).toEqual([false, true]);
      expect(await store.counts()).toMatchObject({ queued: 2, leased: 0 });
      expect((await leaseOne(store, V2, T0 + 3)).jobId).toBe(jobs[0]!.id);
    });

    it('never leases a job again to a volunteer identity whose lease of it ended without an answer, in any tab', async () => {
      // A job that came back to the identity that failed or dropped it would tell it from a spot check, which never does.
      const { store, ids } = await withJobs(4, { maxAttempts: 9, maxLeases: 9, failureQuorum: 9 });
      const endings = [
        (lease: Lease) => store.fail(lease, V1.id, 'out of memory', true, T0 + 2),
        (lease: Lease) => store.release(lease, 'expired', 'late', T0 + 2),
        (lease: Lease) => store.release(lease, 'lost', 'tab closed', T0 + 2),
        (lease: Lease) => store.release(lease, 'recovered', 'master restarted', T0 + 2),
      ];
      for (const [i, end] of endings.entries()) {
        const lease = await leaseOne(store, V1, T0 + 1);
        expect(lease.jobId).toBe(ids[i]);
        expect(await end(lease)).toMatchObject({ applied: true, job: { status: 'queued', trustedOnly: false } });
      }
      expect(await store.lease([V1, V1b], LEASE_MS, T0 + 3)).toEqual([null, null]);
      // Other identities still get them, and finish them.
      for (const id of ids) {
        const lease = await leaseOne(store, V2, T0 + 4);
        expect(lease.jobId).toBe(id);
        expect((await store.complete(lease, V2.id, resultOf(4), T0 + 5)).applied).toBe(true);
      }
    });
  });
});
