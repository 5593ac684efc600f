// Property test of the store's transitions, for every store: random
// interleavings of lease, complete (current, stale or foreign), fail,
// disconnect and expiry. Whatever happens, every job ends in exactly one
// terminal state, an accepted result is never overwritten, and only the
// current lease holder is ever believed. fast-check shrinks a failure to a
// short readable sequence.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult } from '../api-types.ts';
import { afterAttempt, type AttemptFacts, finalError } from '../store/attempt-rules.ts';
import type { JobStore, LeaseRef, WorkerRef } from '../store/job-store.ts';
import { DEFAULT_TEST_LIMITS, STORE_KINDS } from '../../test/support/stores.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';

const WORKERS: WorkerRef[] = ['a', 'b', 'c'].map((id) => ({ id, name: `worker-${id}`, backend: 'test', identity: id, workerClass: 'trusted' as const }));
const [A] = WORKERS as [WorkerRef];
const resultOf = (index: number): JobResult => ({ predictions: [{ index, label: 'x', probability: 1 }], model: 'm', backend: 'b', inferenceMs: 3 });

describe.each(STORE_KINDS)('$name job transitions under random interleavings', (kind) => {
  beforeAll(() => kind.start());
  afterAll(() => kind.stop());
  it('end every job exactly once and never overwrite a result', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 60 }), async (jobCount, steps) => {
        const { store, dispose } = await kind.open({ maxAttempts: 3, maxLeases: 6 });
        try {
          await runInterleaving(store, jobCount, steps);
        } finally {
          await dispose();
        }
      }),
      { numRuns: kind.name === 'sqlite' ? 60 : 30 },
    );
  });
});

const PROPERTY_LEASE_MS = 100;

type Step =
  | { kind: 'lease'; worker: number }
  | { kind: 'complete'; worker: number; pick: number; forge: 'none' | 'stale' | 'foreign' }
  | { kind: 'fail'; worker: number; pick: number; retryable: boolean }
  | { kind: 'disconnect'; worker: number }
  | { kind: 'tick'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('lease' as const), worker: fc.nat(2) }),
  fc.record({
    kind: fc.constant('complete' as const),
    worker: fc.nat(2),
    pick: fc.nat(),
    forge: fc.constantFrom('none' as const, 'none' as const, 'stale' as const, 'foreign' as const),
  }),
  fc.record({ kind: fc.constant('fail' as const), worker: fc.nat(2), pick: fc.nat(), retryable: fc.boolean() }),
  fc.record({ kind: fc.constant('disconnect' as const), worker: fc.nat(2) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 150 }) }),
);

async function runInterleaving(store: JobStore, jobCount: number, steps: Step[]): Promise<void> {
  let now = T0;
  const { jobs } = await store.create(newJobs(jobCount), now);
  /** What each worker believes it holds (may be stale after expiry). */
  const held: LeaseRef[][] = WORKERS.map(() => []);
  const firstResult = new Map<string, number>();
  const oldLeases: LeaseRef[] = [];
  const reap = async () => {
    for (const lease of await store.expiredLeases(now, 0)) await store.release(lease, 'expired', 'expired', now);
  };

  for (const s of steps) {
    if (s.kind === 'tick') {
      now += s.ms;
      await reap();
    } else if (s.kind === 'lease') {
      const [lease] = await store.lease([WORKERS[s.worker]!], PROPERTY_LEASE_MS, now);
      if (lease) held[s.worker]!.push(lease);
    } else if (s.kind === 'disconnect') {
      for (const lease of held[s.worker]!.splice(0)) {
        oldLeases.push(lease);
        await store.release(lease, 'lost', 'gone', now);
      }
    } else {
      const mine = held[s.worker]!;
      if (mine.length === 0) continue;
      const [lease] = mine.splice(s.pick % mine.length, 1) as [LeaseRef];
      oldLeases.push(lease);
      if (s.kind === 'fail') {
        await store.fail(lease, WORKERS[s.worker]!.id, 'boom', s.retryable, now);
        continue;
      }
      const stale = oldLeases.find((old) => old.jobId === lease.jobId && old.leaseId !== lease.leaseId);
      const target = s.forge === 'stale' && stale ? stale : lease;
      const sender = s.forge === 'foreign' ? WORKERS[(s.worker + 1) % 3]! : WORKERS[s.worker]!;
      const current = await currentAttempt(store, target.jobId);
      const index = firstResult.size + 1;
      const outcome = await store.complete(target, sender.id, resultOf(index), now);
      // Believed if and only if it answers the job's current lease, from its holder.
      expect(outcome.applied).toBe(current?.leaseId === target.leaseId && current.worker === sender.id);
      if (outcome.applied) {
        expect(firstResult.has(target.jobId)).toBe(false);
        firstResult.set(target.jobId, index);
      }
    }
    // A done job keeps the first accepted result.
    for (const [id, index] of firstResult) {
      const job = await store.get(id);
      expect(job?.status).toBe('done');
      expect(job?.result?.predictions[0]?.index).toBe(index);
    }
  }

  // Drain: a healthy worker takes everything left; every job must end.
  for (let round = 0; round < 50; round++) {
    now += PROPERTY_LEASE_MS + 1;
    await reap();
    const [lease] = await store.lease([A], PROPERTY_LEASE_MS, now);
    if (!lease) break;
    await store.complete(lease, A.id, resultOf(1), now);
  }
  const counts = await store.counts();
  expect(counts.queued + counts.leased).toBe(0);
  expect(counts.done + counts.failed).toBe(jobCount);
  for (const { id } of jobs) {
    const detail = (await store.getDetail(id))!;
    expect(detail.attempts).toBe(detail.timeline.length);
    expect(detail.timeline.filter((a) => a.outcome === 'done')).toHaveLength(detail.status === 'done' ? 1 : 0);
    expect(detail.timeline.filter((a) => a.outcome === 'running')).toHaveLength(0);
    if (detail.status === 'failed') expect(detail.error).toBe(finalError(detail.timeline, DEFAULT_TEST_LIMITS.errorAttemptsShown));
  }
}

/** The job's running attempt, if it is leased. */
async function currentAttempt(store: JobStore, jobId: string) {
  const detail = await store.getDetail(jobId);
  return detail?.status === 'leased' ? detail.timeline.find((a) => a.outcome === 'running') : undefined;
}

describe('attempt rules', () => {
  const limits = { maxAttempts: 3, maxLeases: 5, failureQuorum: 2 };
  let n = 0;
  const by = (who: string, outcome: AttemptFacts['outcome'], final = false, network?: string): AttemptFacts => ({
    attempt: ++n,
    identity: who,
    network,
    trusted: who.startsWith('trusted'),
    outcome,
    final,
  });
  const times = (count: number, make: () => AttemptFacts) => Array.from({ length: count }, make);

  it('count failures and expiries, not lost workers or restarts', () => {
    expect(afterAttempt([by('trusted', 'lost')], limits)).toEqual({ status: 'queued', failures: 0, trustedOnly: false });
    expect(afterAttempt([by('trusted', 'recovered')], limits)).toEqual({ status: 'queued', failures: 0, trustedOnly: false });
    expect(afterAttempt([by('trusted', 'failed'), by('trusted', 'expired'), by('trusted', 'expired')], limits)).toMatchObject({
      status: 'failed',
      failures: 3,
    });
    expect(afterAttempt([by('trusted', 'failed', true)], limits).status).toBe('failed');
    expect(
      afterAttempt(
        times(5, () => by('trusted', 'lost')),
        limits,
      ).status,
    ).toBe('failed');
  });

  it('count a volunteer identity once, however often it fails, expires or drops the job', () => {
    expect(
      afterAttempt(
        times(9, () => by('volunteer-a', 'lost')),
        limits,
      ),
    ).toEqual({ status: 'queued', failures: 0, trustedOnly: false });
    expect(
      afterAttempt(
        times(9, () => by('volunteer-a', 'expired')),
        limits,
      ),
    ).toEqual({ status: 'queued', failures: 1, trustedOnly: false });
  });

  it('never fail a job on volunteers alone: past a cap it goes to trusted workers, whose attempts alone can fail it', () => {
    const gaveUp = [...times(4, () => by('volunteer-a', 'expired')), by('volunteer-b', 'failed'), by('volunteer-c', 'expired')];
    expect(afterAttempt(gaveUp, limits)).toEqual({ status: 'queued', failures: 3, trustedOnly: true });
    const dropped = ['a', 'b', 'c', 'd', 'e'].map((who) => by(`volunteer-${who}`, 'lost'));
    expect(afterAttempt(dropped, limits)).toEqual({ status: 'queued', failures: 0, trustedOnly: true });
    expect(afterAttempt([...dropped, ...times(4, () => by('trusted', 'lost'))], limits).status).toBe('queued');
    expect(afterAttempt([...dropped, ...times(5, () => by('trusted', 'lost'))], limits).status).toBe('failed');
    expect(afterAttempt([...gaveUp, by('trusted', 'expired'), by('trusted', 'failed')], limits).status).toBe('queued');
    expect(afterAttempt([...gaveUp, by('trusted', 'failed', true)], limits).status).toBe('failed');
  });

  it('use up no lease for an answered one (a vote): the cap is for images that kill browsers', () => {
    const votes = ['a', 'b', 'c', 'd'].map((who) => by(`volunteer-${who}`, 'answered'));
    expect(afterAttempt([...votes, by('volunteer-e', 'lost')], limits)).toEqual({ status: 'queued', failures: 0, trustedOnly: false });
    expect(afterAttempt([...votes, ...['e', 'f', 'g', 'h', 'i'].map((who) => by(`volunteer-${who}`, 'lost'))], limits).trustedOnly).toBe(true);
  });

  it("take a volunteer's word that a job cannot be processed as a vote: the quorum of identities hands it to trusted workers", () => {
    expect(afterAttempt([by('volunteer-a', 'failed', true)], limits)).toMatchObject({ status: 'queued', trustedOnly: false });
    expect(afterAttempt([by('volunteer-a', 'failed', true), by('volunteer-a', 'failed', true)], limits)).toMatchObject({
      status: 'queued',
      trustedOnly: false,
    });
    expect(afterAttempt([by('volunteer-a', 'failed', true), by('volunteer-b', 'failed', true)], limits)).toMatchObject({ status: 'queued', trustedOnly: true });
    expect(afterAttempt([by('volunteer-a', 'failed', true), by('trusted', 'failed', true)], limits).status).toBe('failed');
    expect(afterAttempt([by('volunteer-a', 'failed', true)], { ...limits, failureQuorum: 1 })).toMatchObject({ status: 'queued', trustedOnly: true });
  });

  it('count the identities of one network once: a script minting identities on one address hands no job to trusted workers', () => {
    const fromOneNetwork = (outcome: AttemptFacts['outcome'], final = false) =>
      ['a', 'b', 'c', 'd', 'e', 'f'].map((who) => by(`volunteer-${who}`, outcome, final, 'net-1'));
    expect(afterAttempt(fromOneNetwork('failed', true), limits)).toEqual({ status: 'queued', failures: 1, trustedOnly: false });
    expect(afterAttempt(fromOneNetwork('expired'), limits)).toEqual({ status: 'queued', failures: 1, trustedOnly: false });
    expect(afterAttempt(fromOneNetwork('lost'), limits).trustedOnly).toBe(false);
    // Another network's identity is independent, so the quorum is reached.
    expect(afterAttempt([...fromOneNetwork('failed', true), by('volunteer-g', 'failed', true, 'net-2')], limits)).toMatchObject({ trustedOnly: true });
    // One identity over several networks still counts once.
    expect(
      afterAttempt(
        ['net-1', 'net-2', 'net-3'].map((net) => by('volunteer-a', 'failed', true, net)),
        limits,
      ).trustedOnly,
    ).toBe(false);
    // Attempts stored before networks count by identity, as they did.
    expect(afterAttempt([by('volunteer-a', 'failed', true), by('volunteer-b', 'failed', true, 'net-1')], limits).trustedOnly).toBe(true);
  });
});
