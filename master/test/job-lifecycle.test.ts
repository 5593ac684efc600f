// The job lifecycle on a real master and a real store (SQLite, Redis, Redis Cluster): every
// transition publishes exactly one event named after it and is counted; start-up
// recovery publishes "recovered"; retention publishes "image-expired" and "purged" (and forgets whom the ledger credited
// and which answers were judged);
// an event relayed from another master arrives
// with its name and is counted only where it was applied, and a lease it ended (expired, requeued for a
// silent master, deleted) is revoked on the master its worker is connected to, and only that lease.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { submit as submitUploads, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { defaultModelDir, devImages } from '../../test/support/paths.ts';
import { deleteRedisKeys, STORE_KINDS, TEST_REDIS_URL, type OpenedStore, type StoreKind } from '../../test/support/stores.ts';
import { startTestMaster, tempDataDir, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import type { StatsView } from '../api-types.ts';
import { makeConfig, type Config } from '../config.ts';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';
import { Verifier } from '../trust/verification.ts';
import { LiveEvents } from '../events/live-events.ts';
import { WorkerRegistry } from '../hub/worker-registry.ts';
import type { JobEvent, JobTransition } from '../lifecycle/job-events.ts';
import { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import { RetentionSweeper } from '../lifecycle/retention.ts';
import { createLogger } from '../log.ts';
import type { RedisTarget } from '../store/redis/redis-connection.ts';
import type { RedisJobStore } from '../store/redis-job-store.ts';
import { SqliteVolunteerLedger } from '../volunteers/sqlite-volunteer-ledger.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

const uploads = uploadsFrom(devImages(3).map((image) => image.path));
const ADMIN_TOKEN = 'lifecycle-test-token';
const LIMITS = { maxAttempts: 3, maxLeases: 10 };

const masters: TestMaster[] = [];
const workers: SyntheticWorker[] = [];
const opened: OpenedStore[] = [];
const redisData: { prefix: string; target: RedisTarget }[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.terminate();
  for (const master of masters.splice(0)) await master.close();
  for (const store of opened.splice(0)) await store.dispose();
  for (const { prefix, target } of redisData.splice(0)) await deleteRedisKeys(prefix, target);
});

type Overrides = Partial<Record<keyof Config, unknown>>;

/** A master's config for a kind of store; masters given the same Redis prefix share their jobs. */
function storeConfig(target: RedisTarget | undefined): Overrides {
  if (!target) return {};
  const prefix = `test:${randomUUID()}:`;
  redisData.push({ prefix, target });
  const where = 'url' in target ? { redisUrl: target.url } : { redisClusterNodes: target.clusterNodes.map(({ host, port }) => `${host}:${port}`).join(',') };
  return { ...where, redisPrefix: prefix };
}

async function master(overrides: Overrides): Promise<TestMaster> {
  const started = await startTestMaster({ adminToken: ADMIN_TOKEN, ...overrides });
  masters.push(started);
  return started;
}

/** A trusted worker: a failure it calls final fails the job at once. */
async function worker(at: TestMaster, options: Omit<SyntheticWorkerOptions, 'masterUrl'> = {}) {
  const connected = await SyntheticWorker.connect({ masterUrl: at.url, ...options, hello: { fleetToken: TEST_FLEET_TOKEN, ...options.hello } });
  workers.push(connected);
  return connected;
}

/** Every job event a master publishes itself, as [transition, job id, job status or 'deleted']. */
function record(at: TestMaster) {
  const seen: [JobTransition, string, string][] = [];
  at.events.subscribeLocal((event) => {
    if (event.type === 'job') seen.push([event.transition, event.job.id, event.job.status]);
    if (event.type === 'job-deleted') seen.push([event.transition, event.id, 'deleted']);
  });
  return seen;
}

/** Waits for `count` events, then a little longer, so that an extra event would be seen too. */
async function settle(seen: unknown[], count: number) {
  await until(() => seen.length >= count, `${count} events`, 10_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
}

const submit = (at: TestMaster, count: number) => submitUploads(at.url, uploads.slice(0, count));
const stats = (at: TestMaster) => fetch(`${at.url}/api/stats`).then((r) => r.json()) as Promise<StatsView>;

/** Starts what a kind of store needs for this file (a Redis Cluster), and stops it after. */
function withStore(kind: StoreKind) {
  beforeAll(() => kind.start());
  afterAll(() => kind.stop());
}

describe.each(STORE_KINDS)('the lifecycle on the $name store', (kind) => {
  withStore(kind);
  const start = (overrides: Overrides = {}) => master({ ...storeConfig(kind.redisTarget?.()), ...overrides });

  it('publishes one event per transition: submitted, leased, completed', async () => {
    const m = await start();
    const seen = record(m);
    const [id] = await submit(m, 1);
    await worker(m, { onJob: (job, w) => w.succeed(job.header) });
    await settle(seen, 3);
    expect(seen).toEqual([
      ['submitted', id, 'queued'],
      ['leased', id, 'leased'],
      ['completed', id, 'done'],
    ]);
    expect((await stats(m)).transitions).toMatchObject({ submitted: 1, leased: 1, completed: 1, failed: 0 });
  });

  it('names a failed attempt, the job failed for good, and its retry', async () => {
    const m = await start();
    const seen = record(m);
    const [id] = await submit(m, 1);
    let answers = 0;
    // First a retryable failure (requeued), then one that is not (failed for good), then after the retry a result.
    await worker(m, {
      onJob: (job, w) => {
        answers += 1;
        if (answers === 1) w.fail(job.header, 'out of memory', true);
        else if (answers === 2) w.fail(job.header, 'cannot decode', false);
        else w.succeed(job.header);
      },
    });
    await settle(seen, 5);
    const retried = await fetch(`${m.url}/api/jobs/${id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(retried.status).toBe(200);
    await settle(seen, 8);
    expect(seen).toEqual([
      ['submitted', id, 'queued'],
      ['leased', id, 'leased'],
      ['failed', id, 'queued'],
      ['leased', id, 'leased'],
      ['failed', id, 'failed'],
      ['retried', id, 'queued'],
      ['leased', id, 'leased'],
      ['completed', id, 'done'],
    ]);
    expect(m.lifecycle.counters.transitions).toMatchObject({ submitted: 1, leased: 3, failed: 2, retried: 1, completed: 1 });
  });

  it('names a lease lost with its worker, and one that expired, and tells the overrunning worker to drop it', async () => {
    const m = await start({ leaseMs: 1500 });
    const seen = record(m);
    const [id] = await submit(m, 1);
    const leaving = await worker(m, { name: 'leaving', credit: 1 });
    await settle(seen, 2);
    leaving.terminate();
    await settle(seen, 3);
    // The next worker overruns its first lease, then answers the job when it comes again.
    let leases = 0;
    const slow = await worker(m, { name: 'slow', credit: 1, onJob: (job, w) => void (++leases > 1 && w.succeed(job.header)) });
    await settle(seen, 7);
    expect(seen).toEqual([
      ['submitted', id, 'queued'],
      ['leased', id, 'leased'],
      ['lost', id, 'queued'],
      ['leased', id, 'leased'],
      ['expired', id, 'queued'],
      ['leased', id, 'leased'],
      ['completed', id, 'done'],
    ]);
    expect(slow.messages).toContainEqual({ type: 'cancel', jobId: id, leaseId: slow.jobs[0]!.header.leaseId });
    expect(m.lifecycle.counters.transitions).toMatchObject({ leased: 3, lost: 1, expired: 1, completed: 1 });
  });

  it('requeues the rest of a leaving worker’s leases when the store cannot release one of them just now', async () => {
    const m = await start({ leaseMs: 60_000 });
    await submit(m, 2);
    const leaving = await worker(m, { name: 'leaving', credit: 2, onJob: () => {} });
    await until(() => leaving.jobs.length === 2, 'both jobs leased');
    // The store refuses the first release only (as a Redis blip or a locked SQLite file would).
    const release = m.store.release.bind(m.store);
    let releases = 0;
    vi.spyOn(m.store, 'release').mockImplementation((...args) =>
      releases++ === 0 ? Promise.reject(new StoreUnavailableError('unreachable just now')) : release(...args),
    );
    const closed = leaving.closed;
    leaving.terminate();
    await closed;
    await until(async () => (await m.store.counts()).queued === 1, 'the other lease requeued at once');
    expect(await m.store.counts()).toMatchObject({ leased: 1 });
  });

  it('names deletions: one job cancelled, the rest cleared', async () => {
    const m = await start();
    const seen = record(m);
    const [one, two, three] = await submit(m, 3);
    const asAdmin = { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
    expect((await fetch(`${m.url}/api/jobs/${one}`, asAdmin)).status).toBe(204);
    const cleared = await fetch(`${m.url}/api/jobs`, asAdmin);
    expect(await cleared.json()).toEqual({ deleted: 2 });
    await settle(seen, 6);
    expect(seen.slice(0, 4)).toEqual([
      ['submitted', one, 'queued'],
      ['submitted', two, 'queued'],
      ['submitted', three, 'queued'],
      ['cancelled', one, 'deleted'],
    ]);
    expect(seen.slice(4).sort()).toEqual(
      [
        ['cleared', two, 'deleted'],
        ['cleared', three, 'deleted'],
      ].sort(),
    );
    expect((await stats(m)).transitions).toMatchObject({ submitted: 3, cancelled: 1, cleared: 2 });
  });

  it('requeues the leases a dead master held, publishing and counting each as recovered', async () => {
    const store = await kind.open(LIMITS);
    opened.push(store);
    // A master that died with a job leased: written straight to the store, as it had.
    const image = () => newJob('a.jpg', 'image/jpeg', uploads[0]!.bytes);
    const { jobs } = await store.store.create([image(), image()], Date.now());
    const [lease] = await store.store.lease([{ id: 'gone', name: 'gone', backend: 'wasm', identity: 'gone', workerClass: 'trusted' }], 30_000, Date.now());

    const events = new LiveEvents();
    const seen: JobEvent[] = [];
    events.subscribeLocal((event) => void (event.type === 'job' && seen.push(event)));
    const identities = new SqliteIdentityStore(tempDataDir());
    const verifier = new Verifier(makeConfig({ modelDir: defaultModelDir }), identities);
    const workers = new WorkerRegistry(events, 250);
    const lifecycle = new JobLifecycle({ store: store.store, events, workers, log: createLogger('silent'), leaseMs: 30_000, verifier, maxWaitingVotes: 32 });
    await lifecycle.recover();
    await lifecycle.idle();
    expect(seen).toMatchObject([{ type: 'job', transition: 'recovered', job: { id: lease!.jobId, status: 'queued' } }]);
    expect(lifecycle.counters.transitions.recovered).toBe(1);
    expect(await store.store.counts()).toMatchObject({ queued: jobs.length, leased: 0 });
  });

  it('names retention: each image expired, then each job purged, a batch at a time, and touches no unfinished job', async () => {
    const store = await kind.open(LIMITS);
    opened.push(store);
    const T0 = Date.UTC(2025, 0, 1);
    const image = () => newJob('a.jpg', 'image/jpeg', uploads[0]!.bytes);
    const { jobs } = await store.store.create([image(), image(), image(), image()], T0);
    const fleet = { id: 'w', name: 'w', backend: 'wasm', identity: 'w', workerClass: 'trusted' as const };
    const leases = await store.store.lease([fleet, fleet, fleet], 30_000, T0);
    for (const [i, lease] of leases.entries()) await store.store.complete(lease!, 'w', { predictions: [], model: 'm', backend: 'b', inferenceMs: 1 }, T0 + i);

    const events = new LiveEvents();
    const seen: [JobTransition, string][] = [];
    events.subscribeLocal((event) => {
      if (event.type === 'job') seen.push([event.transition, event.job.id]);
      if (event.type === 'job-deleted') seen.push([event.transition, event.id]);
    });
    const identities = new SqliteIdentityStore(tempDataDir());
    const verifier = new Verifier(makeConfig({ modelDir: defaultModelDir }), identities);
    const lifecycle = new JobLifecycle({
      store: store.store,
      events,
      workers: new WorkerRegistry(events, 250),
      log: createLogger('silent'),
      leaseMs: 30_000,
      verifier,
      maxWaitingVotes: 32,
    });
    const policy = { imageRetentionMs: 100, jobRetentionMs: 1_000, retentionBatch: 2, retentionSweepMs: 60_000 };
    const ledger = new SqliteVolunteerLedger(tempDataDir());
    const ended = jobs.slice(0, 3).map((job) => job.id);
    // The ledger remembers whom it credited for a job, and the identities which answers were judged, as long as the job is kept.
    for (const [i, jobId] of ended.entries()) {
      await ledger.record({ jobId, volunteerId: 'v', browser: 'b', backend: 'wasm', computeMs: 1 }, T0 + i);
      await identities.recordJudgedAnswer('v', jobId, false, T0 + i);
    }
    const sweeper = new RetentionSweeper(lifecycle, ledger, identities, policy, createLogger('silent'));
    // Each store call is held to RETENTION_BATCH (the second argument of each step).
    const steps = [vi.spyOn(lifecycle, 'expireImages'), vi.spyOn(lifecycle, 'purge'), vi.spyOn(ledger, 'forgetCredited'), vi.spyOn(identities, 'forgetJudged')];

    expect(await sweeper.sweep(T0 + 99)).toEqual({ images: 0, jobs: 0, credited: 0, judged: 0 });
    // Steps of two until one finds fewer: 2 then 1.
    expect(await sweeper.sweep(T0 + 102)).toEqual({ images: 3, jobs: 0, credited: 0, judged: 0 });
    expect(seen).toEqual(ended.map((id) => ['image-expired', id]));
    expect(await sweeper.sweep(T0 + 1_002)).toEqual({ images: 0, jobs: 3, credited: 3, judged: 3 });
    for (const step of steps) {
      expect(step).toHaveBeenCalled();
      expect(step.mock.calls.map((call) => call[1])).toEqual(step.mock.calls.map(() => policy.retentionBatch));
    }
    await ledger.close();
    await identities.close();
    expect(seen.slice(3)).toEqual(ended.map((id) => ['purged', id]));
    expect(lifecycle.counters.transitions).toMatchObject({ 'image-expired': 3, purged: 3 });
    expect(await store.store.counts()).toEqual({ queued: 1, leased: 0, done: 0, failed: 0 });
    expect(await store.store.image(jobs[3]!.id)).not.toBeNull();
  });
});

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

  it('revoke on the worker’s master a lease another master’s reaper expired: it is told to drop it and is dealt the next job', async () => {
    // A's reaper stopped: only B expires the lease, a lease after its deadline (the backstop for another
    // master's lease), and only A holds the worker.
    const { a, b, held, id, lease } = await stuckOnA({ leaseMs: 1000 }, { reaperOnA: false });
    await until(() => held.messages.some((message) => message.type === 'cancel'), 'the worker on A told to drop the expired lease');
    expect(held.messages.filter((message) => message.type === 'cancel')).toEqual([{ type: 'cancel', ...lease }]);
    // Its one slot is free again: A deals it the job again, and it answers.
    await until(() => a.lifecycle.counters.transitions.completed === 1, 'the job done on A');
    expect(await a.store.get(id)).toMatchObject({ status: 'done' });
    expect(held.jobs.map((job) => job.header.jobId)).toEqual([id, id]);
    expect(a.lifecycle.counters.transitions).toMatchObject({ expired: 0, leased: 2, completed: 1 });
    expect(b.lifecycle.counters.transitions).toMatchObject({ expired: 1, leased: 0 });
  });

  it('revoke on the worker’s master a lease another master requeued, taking it for silent: told to drop it, then dealt the job again', async () => {
    const { a, b, held, id, lease } = await stuckOnA();
    // What B's MasterWatch does once A has been silent for MASTER_TIMEOUT_MS (A only stalled).
    const { leases: orphaned, unreached } = await (b.store as RedisJobStore).leasesHeldBy((a.store as RedisJobStore).masterId);
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
