// The job lifecycle on a real master and a real store (SQLite, Redis, Redis Cluster): every
// transition publishes exactly one event named after it and is counted; start-up recovery
// publishes "recovered"; retention publishes "image-expired" and "purged" (and forgets whom the
// ledger credited and which answers were judged). Between masters sharing Redis, see
// job-lifecycle-between-masters.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { ADMIN_TOKEN, stats, submit, uploads, useLifecycleMasters, type Overrides } from '../../test/support/lifecycle-masters.ts';
import { defaultModelDir } from '../../test/support/paths.ts';
import { STORE_KINDS } from '../../test/support/stores.ts';
import { tempDataDir, type TestMaster } from '../../test/support/test-master.ts';
import { useStoreKind } from '../../test/support/use-store-kind.ts';
import { makeConfig } from '../config.ts';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';
import { Verifier } from '../trust/verification.ts';
import { LiveEvents } from '../events/live-events.ts';
import { WorkerRegistry } from '../hub/worker-registry.ts';
import type { JobEvent, JobTransition } from '../lifecycle/job-events.ts';
import { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import { RetentionSweeper } from '../lifecycle/retention.ts';
import { createLogger } from '../log.ts';
import { SqliteVolunteerLedger } from '../volunteers/sqlite-volunteer-ledger.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

const LIMITS = { maxAttempts: 3, maxLeases: 10 };

const { storeConfig, master, worker } = useLifecycleMasters();

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

describe.each(STORE_KINDS)('the lifecycle on the $name store', (kind) => {
  const openStore = useStoreKind(kind);
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
    const store = await openStore(LIMITS);
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

  it('names retention: each image expired, then each job purged, a batch at a time, and touches no unfinished job, then idle identities and their names, then Idempotency-Keys', async () => {
    const store = await openStore(LIMITS);
    const T0 = Date.UTC(2025, 0, 1);
    const image = () => newJob('a.jpg', 'image/jpeg', uploads[0]!.bytes);
    const { jobs } = await store.store.create([image(), image(), image(), image()], T0, 'key');
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
    const policy = {
      imageRetentionMs: 100,
      jobRetentionMs: 1_000,
      retentionBatch: 2,
      retentionSweepMs: 60_000,
      identityTokenMaxAgeMs: 1_000,
      idempotencyTtlMs: 1_000,
    };
    const ledger = new SqliteVolunteerLedger(tempDataDir());
    const ended = jobs.slice(0, 3).map((job) => job.id);
    // The ledger remembers whom it credited for a job, and the identities which answers were judged, as long as the job is kept.
    for (const [i, jobId] of ended.entries()) {
      await ledger.record({ jobId, volunteerId: 'v', browser: 'b', backend: 'wasm', computeMs: 1 }, T0 + i);
      await identities.recordJudgedAnswer('v', jobId, false, T0 + i);
    }
    // An identity idle past twice the max age, named by its page but never credited: its name goes with it.
    await identities.seen('idle-named', T0 - 5_000);
    await ledger.setDisplayName('idle-named', 'Spam');
    const sweeper = new RetentionSweeper(lifecycle, store.store, ledger, identities, policy, createLogger('silent'));
    // Each store call is held to RETENTION_BATCH (the second argument of each step).
    const steps = [
      vi.spyOn(lifecycle, 'expireImages'),
      vi.spyOn(lifecycle, 'purge'),
      vi.spyOn(ledger, 'forgetCredited'),
      vi.spyOn(identities, 'forgetJudged'),
      vi.spyOn(store.store, 'forgetIdempotencyKeys'),
    ];

    expect(await sweeper.sweep(T0 + 99)).toEqual({ images: 0, jobs: 0, credited: 0, judged: 0, identities: 1, idempotencyKeys: 0 });
    await ledger.record({ jobId: 'later', volunteerId: 'idle-named', browser: 'b', backend: 'wasm', computeMs: 1 });
    expect(await ledger.standing('idle-named')).toMatchObject({ displayName: null });
    // Steps of two until one finds fewer: 2 then 1.
    expect(await sweeper.sweep(T0 + 102)).toEqual({ images: 3, jobs: 0, credited: 0, judged: 0, identities: 0, idempotencyKeys: 0 });
    expect(seen).toEqual(ended.map((id) => ['image-expired', id]));
    expect(await sweeper.sweep(T0 + 1_002)).toEqual({ images: 0, jobs: 3, credited: 3, judged: 3, identities: 0, idempotencyKeys: 1 });
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
