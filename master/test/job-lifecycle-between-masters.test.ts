// Masters sharing Redis: an event relayed from another master arrives with its
// name and is counted only where it was applied, and a lease it ended (expired,
// requeued for a silent master, deleted) is revoked on the master its worker is
// connected to, and only that lease.
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { stats, submit, useLifecycleMasters, type Overrides } from '../../test/support/lifecycle-masters.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';
import type { JobEvent } from '../lifecycle/job-events.ts';
import type { RedisJobStore } from '../store/redis-job-store.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

const { storeConfig, master, worker } = useLifecycleMasters();

describe('events between masters sharing Redis', () => {
  it('arrive with their transition, shown on the other master’s board and counted only where applied', async () => {
    const shared = storeConfig({ url: TEST_REDIS_URL });
    const [a, b] = [await master(shared), await master(shared)];
    await worker(b, { onJob: (job, w) => w.succeed(job.header) });
    const onBoardOfB = new Promise<JobEvent>((resolve) => {
      b.events.subscribe((event) => event.type === 'job' && event.transition === 'submitted' && resolve(event));
    });
    const [id] = await submit(a, 1);
    expect(await onBoardOfB).toMatchObject({ type: 'job', transition: 'submitted', job: { id, status: 'queued' } });
    // B's worker does the job: each master counts only the transitions it applied.
    await until(async () => (await stats(b)).transitions.completed === 1, 'B completed the job');
    expect((await stats(a)).transitions).toMatchObject({ submitted: 1, leased: 0, completed: 0 });
    expect((await stats(b)).transitions).toMatchObject({ submitted: 0, leased: 1, completed: 1 });
  });

  /** Masters A and B on one Redis, and a worker on A holding one job at a time that never answers its first lease. */
  async function stuckOnA(overrides: Overrides = {}, { reaperOnA = true } = {}) {
    const shared = { ...storeConfig({ url: TEST_REDIS_URL }), ...overrides };
    const [a, b] = [await master(shared), await master(shared)];
    if (!reaperOnA) a.lifecycle.stop();
    let leases = 0;
    const held = await worker(a, { name: 'stuck-once', credit: 1, onJob: (job, w) => void (++leases > 1 && w.succeed(job.header)) });
    const [id] = await submit(a, 1);
    await until(() => held.jobs.length === 1, 'the worker on A to hold the job');
    return { a, b, held, id: id!, lease: { jobId: id!, leaseId: held.jobs[0]!.header.leaseId } };
  }

  it('revoke on the worker’s master a lease another master’s reaper ended: it is told to drop it and is dealt the next job', async () => {
    // A's reaper stopped: only B ends the lease, a lease after its deadline (the backstop for another master's
    // lease), as recovered (A did not reap it: no fault of its worker), and only A holds the worker.
    const { a, b, held, id, lease } = await stuckOnA({ leaseMs: 1000 }, { reaperOnA: false });
    await until(() => held.messages.some((message) => message.type === 'cancel'), 'the worker on A told to drop the expired lease');
    expect(held.messages.filter((message) => message.type === 'cancel')).toEqual([{ type: 'cancel', ...lease }]);
    // Its one slot is free again: A deals it the job again, and it answers.
    await until(() => a.lifecycle.counters.transitions.completed === 1, 'the job done on A');
    expect(await a.store.get(id)).toMatchObject({ status: 'done' });
    expect(held.jobs.map((job) => job.header.jobId)).toEqual([id, id]);
    expect(a.lifecycle.counters.transitions).toMatchObject({ expired: 0, leased: 2, completed: 1 });
    expect(b.lifecycle.counters.transitions).toMatchObject({ recovered: 1, expired: 0, leased: 0 });
  });

  it('revoke on the worker’s master a lease another master requeued, taking it for silent: told to drop it, then dealt the job again', async () => {
    const { a, b, held, id, lease } = await stuckOnA();
    // What B's MasterWatch does once A has been silent for MASTER_TIMEOUT_MS (A only stalled).
    const { leases: orphaned, unreached } = await (b.store as RedisJobStore).presence.leasesHeldBy((a.store as RedisJobStore).masterId);
    expect(orphaned).toEqual([lease]);
    expect(unreached).toBe(0);
    expect(await b.lifecycle.requeueOrphaned(orphaned, 'master a stopped answering')).toBe(1);
    await until(async () => (await a.store.get(id))?.status === 'done', 'the job done on A');
    expect(held.messages.filter((message) => message.type === 'cancel')).toEqual([{ type: 'cancel', ...lease }]);
    expect(held.jobs.map((job) => job.header.jobId)).toEqual([id, id]);
    expect(b.lifecycle.counters.transitions).toMatchObject({ recovered: 1 });
  });

  it('revoke on the worker’s master the lease of a job another master deleted, and deal it the next job', async () => {
    const { a, b, held, id, lease } = await stuckOnA();
    expect(await b.lifecycle.cancel(id)).toBe(true);
    await until(() => held.messages.some((message) => message.type === 'cancel'), 'the worker on A told to drop the deleted job');
    expect(held.messages.filter((message) => message.type === 'cancel')).toEqual([{ type: 'cancel', ...lease }]);
    const [next] = await submit(a, 1);
    await until(async () => (await a.store.get(next!))?.status === 'done', 'the next job done on A');
    expect(held.jobs.map((job) => job.header.jobId)).toEqual([id, next]);
  });

  it('revoke every lease another master ended in one turn, though the store could not say whether one of them lives', async () => {
    const shared = storeConfig({ url: TEST_REDIS_URL });
    const a = await master(shared);
    const held = await worker(a, { name: 'stuck', credit: 2, onJob: () => {} });
    const [expired, deleted] = (await submit(a, 2)) as [string, string];
    await until(() => held.jobs.length === 2, 'the worker on A to hold both jobs');
    const leaseOf = (id: string) => ({ jobId: id, leaseId: held.jobs.find((job) => job.header.jobId === id)!.header.leaseId });
    a.store.getDetail = () => Promise.reject(new StoreUnavailableError('its node is down'));
    // Heard in one turn: an expiry, whose lease A must ask the store about, and a deletion, which it need not.
    a.lifecycle.fromOtherMaster({ type: 'job', transition: 'expired', job: (await a.store.get(expired))! });
    a.lifecycle.fromOtherMaster({ type: 'job-deleted', transition: 'cancelled', id: deleted });
    await until(() => held.messages.some((message) => message.type === 'cancel'), 'the worker told to drop the deleted job');
    expect(held.messages.filter((message) => message.type === 'cancel')).toEqual([{ type: 'cancel', ...leaseOf(deleted) }]);
    expect(a.workers.all[0]!.leases).toEqual([leaseOf(expired)]);
  });

  it('ask the store about every lease another master ended at once, so a store that hangs costs one wait, not one a lease', async () => {
    const a = await master(storeConfig({ url: TEST_REDIS_URL }));
    const held = await worker(a, { name: 'stuck', credit: 2, onJob: () => {} });
    const ids = (await submit(a, 2)) as [string, string];
    await until(() => held.jobs.length === 2, 'the worker on A to hold both jobs');
    const asked: string[] = [];
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const getDetail = a.store.getDetail.bind(a.store);
    let told = 0;
    a.store.getDetail = async (jobId) => {
      asked.push(jobId);
      await answered;
      return getDetail(jobId).finally(() => setImmediate(() => told++));
    };
    // Heard in one turn, as events relayed together are.
    const jobs = await Promise.all(ids.map(async (id) => (await a.store.get(id))!));
    for (const job of jobs) a.lifecycle.fromOtherMaster({ type: 'job', transition: 'expired', job });
    await until(() => asked.length === 2, 'both leases asked about before either answer');
    answer();
    await until(() => told === 2, 'both answers acted on');
    // Both still their jobs' current leases: kept.
    expect(a.workers.all[0]!.leases).toHaveLength(2);
  });

  it('keep a lease held here that is its job’s current one, though another master ended an earlier lease of the job', async () => {
    const { a, held, id, lease } = await stuckOnA();
    // An earlier lease of this job, elsewhere, expired, and A heard of it only after leasing the job again here.
    // A asks the store which lease of the job lives; once it has the answer (and a turn to act on it), it has decided.
    let decided = false;
    const getDetail = a.store.getDetail.bind(a.store);
    a.store.getDetail = async (jobId) => getDetail(jobId).finally(() => setImmediate(() => (decided = true)));
    a.lifecycle.fromOtherMaster({ type: 'job', transition: 'expired', job: (await a.store.get(id))! });
    await until(() => decided, 'A to read which lease of the job lives');
    expect(a.workers.all[0]!.leases).toEqual([lease]);
    expect(held.messages.filter((message) => message.type === 'cancel')).toEqual([]);
  });
});
