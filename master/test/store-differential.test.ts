// Both stores held to one behaviour: the same random sequences of operations
// (creates with and without idempotency keys and owners, replays, leases, results,
// failures, refused answers, votes, waiting jobs settled on their votes, trusted-only jobs, releases of every kind, reaping, retries, removals, clears,
// retention (images and jobs expired past a horizon),
// lists of one owner, restarts, and two store instances — two masters — on the same data; trusted
// and volunteer workers, two of them one identity) run
// against two stores (PAIRS, below), and every answer and the final state must be the same. The clock is the test's, so
// times agree exactly; ids and lease ids are random, so they are renamed in
// order of first appearance (id-1, id-2, ...) before comparing. fast-check
// shrinks a difference to a short readable sequence.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_STATUSES, type JobResult } from '../api-types.ts';
import type { JobStore, LeaseRef, Limits, NewJob, WorkerRef } from '../store/job-store.ts';
import { PARTITIONED_REDIS, STORE_KINDS, type OpenedStore, type StoreKind } from '../../test/support/stores.ts';
import { newJob } from '../../metrics/uploaded-files.ts';

const LIMITS: Partial<Limits> = { maxAttempts: 2, maxLeases: 3, failureQuorum: 2, maxPendingJobs: 6, idempotencyTtlMs: 300 };
const LEASE_MS = 100;
/** Larger than every job a run creates: each retention step takes all that is due, so both sides take the same jobs. */
const RETENTION_BATCH = 1_000;
const T0 = Date.UTC(2025, 0, 1);
// A trusted worker, two tabs (sockets) of one volunteer identity, and another volunteer: votes and distinct identities count.
const WORKERS: WorkerRef[] = [
  { id: 'a', name: 'worker-a', backend: 'backend-a', identity: 'fleet-a', workerClass: 'trusted' },
  { id: 'b', name: 'worker-b', backend: 'backend-b', identity: 'volunteer-1', workerClass: 'volunteer' },
  { id: 'c', name: 'worker-c', backend: 'backend-c', identity: 'volunteer-1', workerClass: 'volunteer' },
  { id: 'd', name: 'worker-d', backend: 'backend-d', identity: 'volunteer-2', workerClass: 'volunteer' },
];

type Instance = 0 | 1;
type Op =
  | { op: 'create'; at: Instance; count: number; key: number | null; owner: number | null; trustedOnly: boolean }
  | { op: 'lease'; at: Instance; workers: number[] }
  | { op: 'complete'; at: Instance; pick: number; foreign: boolean }
  | { op: 'fail'; at: Instance; pick: number; retryable: boolean }
  | { op: 'refuse'; at: Instance; pick: number }
  | { op: 'vote'; at: Instance; pick: number; trustedOnly: boolean }
  | { op: 'settleWaiting'; at: Instance; pick: number; votes: number; voter: number }
  | { op: 'release'; at: Instance; pick: number; outcome: 'lost' | 'expired' | 'recovered' }
  | { op: 'reap'; at: Instance }
  | { op: 'retry'; at: Instance; pick: number }
  | { op: 'remove'; at: Instance; pick: number }
  | { op: 'clear'; at: Instance }
  | { op: 'expireImages'; at: Instance; retentionMs: number }
  | { op: 'expireJobs'; at: Instance; retentionMs: number }
  | { op: 'read'; at: Instance; pick: number; status: number; limit: number; owner: number | null }
  | { op: 'restart'; at: Instance }
  | { op: 'tick'; ms: number };

const at = fc.constantFrom<Instance>(0, 1);
const pick = fc.nat(40);
/** Two owners (their keys and lists their own), or none. */
const owner = fc.option(fc.nat(1));
const ownerId = (n: number | null) => (n === null ? undefined : `anon-${n}`);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('create' as const),
      at,
      count: fc.integer({ min: 1, max: 3 }),
      key: fc.option(fc.nat(1)),
      owner,
      trustedOnly: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('lease' as const), at, workers: fc.uniqueArray(fc.nat(WORKERS.length - 1), { minLength: 1, maxLength: 4 }) }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('complete' as const), at, pick, foreign: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fail' as const), at, pick, retryable: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('refuse' as const), at, pick }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('vote' as const), at, pick, trustedOnly: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('settleWaiting' as const), at, pick, votes: fc.nat(2), voter: fc.nat(WORKERS.length - 1) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('release' as const),
      at,
      pick,
      outcome: fc.constantFrom('lost' as const, 'expired' as const, 'recovered' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reap' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('retry' as const), at, pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), at, pick }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expireImages' as const), at, retentionMs: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expireJobs' as const), at, retentionMs: fc.nat(300) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('read' as const), at, pick, status: fc.nat(JOB_STATUSES.length), limit: fc.integer({ min: 1, max: 4 }), owner }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restart' as const), at }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 200 }) }) },
);

const newJobs = (count: number, seed: number, trustedOnly: boolean): NewJob[] =>
  Array.from({ length: count }, (_, i) => ({ ...newJob(`${seed}-${i}.png`, 'image/png', new Uint8Array([seed % 256, i, 7])), trustedOnly }));
const resultOf = (index: number): JobResult => ({ predictions: [{ index, label: 'x', probability: 1 }], model: 'm', backend: 'b', inferenceMs: 3 });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One store under test: its two instances, and the names given to its random ids. */
class Side {
  readonly instances: JobStore[];
  private readonly names = new Map<string, string>();
  /** Every job id and lease seen, in order of appearance: picks index these, so both sides pick the same. */
  readonly jobIds: string[] = [];
  readonly leases: { lease: LeaseRef; worker: string }[] = [];

  constructor(
    readonly opened: OpenedStore,
    second: JobStore,
  ) {
    this.instances = [opened.store, second];
  }

  /** The answer with ids renamed, bytes as base64 and keys sorted; unordered lists sorted. */
  normalise(value: unknown): unknown {
    if (typeof value === 'string') {
      if (!UUID.test(value)) return value;
      if (!this.names.has(value)) this.names.set(value, `id-${this.names.size + 1}`);
      return this.names.get(value);
    }
    if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('base64')}`;
    if (Array.isArray(value)) return value.map((item) => this.normalise(item));
    if (value && typeof value === 'object') {
      const entries = Object.entries(value).sort(([a], [b]) => a.localeCompare(b));
      return Object.fromEntries(entries.map(([key, item]) => [key, this.normalise(item)]));
    }
    return value;
  }

  noteJobs(jobs: { id: string }[]): void {
    for (const { id } of jobs) if (!this.jobIds.includes(id)) this.jobIds.push(id);
  }
}

const sorted = (items: unknown[]) => [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** Runs one operation on one side; returns its normalised answer (or the error it threw). */
async function apply(side: Side, op: Op, now: number, step: number): Promise<unknown> {
  if (op.op === 'tick') return null;
  const store = side.instances[op.at]!;
  const pickedJob = 'pick' in op ? side.jobIds[op.pick % Math.max(side.jobIds.length, 1)] : undefined;
  const picked = 'pick' in op ? side.leases[op.pick % Math.max(side.leases.length, 1)] : undefined;
  try {
    switch (op.op) {
      case 'create': {
        // A key's request is the same images each time, so its reuses mix replays (same count) and refused reuses (another count).
        const created = await store.create(
          newJobs(op.count, op.key === null ? step : 1_000 + op.key, op.trustedOnly),
          now,
          op.key === null ? undefined : `key-${op.key}`,
          ownerId(op.owner),
        );
        side.noteJobs(created.jobs);
        return side.normalise(created);
      }
      case 'lease': {
        const leases = await store.lease(
          op.workers.map((w) => WORKERS[w]!),
          LEASE_MS,
          now,
        );
        leases.forEach((lease, i) => lease && side.leases.push({ lease, worker: WORKERS[op.workers[i]!]!.id }));
        return side.normalise(leases);
      }
      case 'complete': {
        if (!picked) return 'no lease';
        const sender = op.foreign ? WORKERS.find((w) => w.id !== picked.worker)!.id : picked.worker;
        return side.normalise(await store.complete(picked.lease, sender, resultOf(step), now));
      }
      case 'fail': {
        return picked ? side.normalise(await store.fail(picked.lease, picked.worker, `boom ${step}`, op.retryable, now)) : 'no lease';
      }
      case 'refuse':
        return picked ? side.normalise(await store.refuse(picked.lease, picked.worker, `nonsense ${step}`, now)) : 'no lease';
      case 'vote': {
        if (!picked) return 'no lease';
        const voted = await store.vote(picked.lease, picked.worker, resultOf(step), op.trustedOnly, now);
        return side.normalise([voted, await store.votes(picked.lease.jobId)]);
      }
      case 'settleWaiting': {
        if (!pickedJob) return 'no job';
        const result = { ...resultOf(step), workerId: WORKERS[op.voter]!.identity };
        // Decided on some of the votes it holds: all of them, or fewer (another came since the decision).
        const seen = (await store.votes(pickedJob)).slice(0, op.votes).map((vote) => vote.leaseId);
        return side.normalise(await store.settleWaiting(pickedJob, seen, result, now));
      }
      case 'release':
        return picked ? side.normalise(await store.release(picked.lease, op.outcome, `${op.outcome} ${step}`, now)) : 'no lease';
      case 'reap': {
        const expired = (await store.expiredLeases(now, 0)).map(({ jobId, leaseId }) => ({ jobId, leaseId }));
        const released = [];
        for (const lease of expired) released.push(await store.release(lease, 'expired', 'lease expired', now));
        return [sorted(side.normalise(expired) as unknown[]), sorted(side.normalise(released) as unknown[])];
      }
      case 'retry':
        return pickedJob ? side.normalise(await store.retry(pickedJob, now)) : 'no job';
      case 'remove':
        return pickedJob ? side.normalise(await store.remove(pickedJob)) : 'no job';
      case 'clear': {
        const cleared = side.normalise(await store.clear()) as { ids: unknown[]; leases: unknown[] };
        return { ids: sorted(cleared.ids), leases: sorted(cleared.leases) };
      }
      case 'expireImages':
        return sorted(side.normalise(await store.expireImages(now - op.retentionMs, now, RETENTION_BATCH)) as unknown[]);
      case 'expireJobs':
        return sorted(side.normalise(await store.expireJobs(now - op.retentionMs, RETENTION_BATCH)) as unknown[]);
      case 'read': {
        const status = JOB_STATUSES[op.status];
        const query = { status, owner: ownerId(op.owner), limit: op.limit };
        const first = await store.list(query);
        const next = first.nextCursor ? await store.list({ ...query, cursor: first.nextCursor }) : null;
        const job = pickedJob ? [await store.get(pickedJob), await store.getDetail(pickedJob), await store.image(pickedJob)] : null;
        const answer = side.normalise({ first, next, job, counts: await store.counts() }) as object;
        return { ...answer, active: sorted(side.normalise(await store.activeLeases()) as unknown[]) };
      }
      case 'restart':
        side.instances[op.at] = await side.opened.restart(store);
        return null;
    }
  } catch (error) {
    return { threw: (error as Error).name, message: (error as Error).message };
  }
}

// Whether another master made a lease (DueLease.abandoned) is Redis's alone, and left out of the comparisons: an
// embedded store has one master, and a restart here is a store instance of another master id there.

/** Everything a store holds, as its clients can see it. */
async function finalState(side: Side, now: number): Promise<unknown> {
  const store = side.instances[0]!;
  const { jobs, nextCursor } = await store.list({ limit: 500 });
  const details = await Promise.all(jobs.map((job) => store.getDetail(job.id)));
  const images = await Promise.all(jobs.map((job) => store.image(job.id)));
  const votes = await Promise.all(jobs.map((job) => store.votes(job.id)));
  const counts = await store.counts();
  // The counters kept by the transitions agree with the jobs themselves.
  expect(counts).toEqual(Object.fromEntries(JOB_STATUSES.map((status) => [status, jobs.filter((job) => job.status === status).length])));
  // Each owner's list is the jobs of that owner, in the same order.
  for (const n of [0, 1]) {
    const mine = await store.list({ owner: ownerId(n), limit: 500 });
    expect(mine.jobs.map((job) => job.id)).toEqual(jobs.filter((job) => job.owner === ownerId(n)).map((job) => job.id));
  }
  const active = sorted(side.normalise(await store.activeLeases()) as unknown[]);
  const expired = sorted(side.normalise((await store.expiredLeases(now, 0)).map(({ jobId, leaseId }) => ({ jobId, leaseId }))) as unknown[]);
  return { ...(side.normalise({ jobs, nextCursor, details, images, votes, counts }) as object), active, expired };
}

async function openSide(kind: StoreKind): Promise<Side> {
  // A partitioned queue admits a share of the limit per partition (partitions.ts): the same share as one queue's.
  const opened = await kind.open({ ...LIMITS, maxPendingJobs: LIMITS.maxPendingJobs! * (kind.partitions ?? 1) });
  return new Side(opened, await opened.openAgain());
}

const kindNamed = (name: StoreKind['name']) => STORE_KINDS.find((kind) => kind.name === name)!;

// The embedded store against one Redis (one partition), and a Redis Cluster against one Redis with the same
// partitions: a partitioned queue answers differently from one queue by design (which partition a lease is taken
// from, each partition's share of the limit; the store-contract-*.test.ts files hold both to the contract), so the
// cluster is held to what the same partitions answer on one server. The partitions take turns in the same order on both.
const PAIRS: { reference: StoreKind; kind: StoreKind; numRuns: number }[] = [
  { reference: kindNamed('sqlite'), kind: kindNamed('redis'), numRuns: 100 },
  { reference: PARTITIONED_REDIS, kind: kindNamed('redis-cluster'), numRuns: 40 },
];

describe.each(PAIRS)('$reference.name and $kind.name', ({ reference, kind, numRuns }) => {
  beforeAll(() => kind.start());
  afterAll(() => kind.stop());

  it('give the same answers and end in the same state for the same operations', async () => {
    await fc.assert(
      // size 'max': long sequences, not fast-check's default short ones, so that ops can build on each other.
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 50, size: 'max' }), async (ops) => {
        const left = await openSide(reference);
        const right = await openSide(kind);
        try {
          let now = T0;
          for (const [step, op] of ops.entries()) {
            if (op.op === 'tick') now += op.ms;
            const expected = await apply(left, op, now, step);
            const actual = await apply(right, op, now, step);
            expect({ step, op, answer: actual }).toEqual({ step, op, answer: expected });
          }
          expect(await finalState(right, now)).toEqual(await finalState(left, now));
        } finally {
          await left.opened.dispose();
          await right.opened.dispose();
        }
      }),
      { numRuns },
    );
  });
});
