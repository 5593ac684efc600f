// One contract, every store: the embedded (sqlite) store and the Redis store
// must behave the same, transition by transition, and return the same views.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { finalError } from '../store/attempt-rules.ts';
import type { JobStore, Lease, Limits, NewJob, WorkerRef } from '../store/job-store.ts';
import { IdempotencyKeyReusedError, QueueFullError } from '../store/store-errors.ts';
import { STORE_KINDS } from '../../test/support/stores.ts';
import { useStoreKind } from '../../test/support/use-store-kind.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { T0, LEASE_MS, newJobs, leaseOne, resultOf, storeWithJobs, TRUSTED_WORKERS as WORKERS } from '../../test/support/store-fixtures.ts';

const [A, B, C] = WORKERS as [WorkerRef, WorkerRef, WorkerRef];

describe.each(STORE_KINDS)('$name job store', (kind) => {
  const openStore = useStoreKind(kind);
  const open = async (limits: Partial<Limits> = {}): Promise<JobStore> => (await openStore(limits)).store;

  const withJobs = storeWithJobs(openStore);

  describe('create', () => {
    it('returns the new jobs queued, in submission order, with distinct ids', async () => {
      const store = await open();
      const { jobs, replayed } = await store.create(newJobs(3), T0, undefined, 'anon-owner');
      expect(replayed).toBe(false);
      expect(jobs.map((job) => job.fileName)).toEqual(['0.jpg', '1.jpg', '2.jpg']);
      expect(new Set(jobs.map((job) => job.id)).size).toBe(3);
      expect(jobs[0]).toEqual({
        id: jobs[0]!.id,
        status: 'queued',
        attempts: 0,
        fileName: '0.jpg',
        contentType: 'image/jpeg',
        size: 3,
        submittedAt: new Date(T0).toISOString(),
        startedAt: null,
        finishedAt: null,
        worker: null,
        error: null,
        result: null,
        owner: 'anon-owner',
        trustedOnly: false,
        imageExpiredAt: null,
        votes: 0,
      });
      expect(await store.get(jobs[1]!.id)).toEqual(jobs[1]);
      expect((await store.create(newJobs(1), T0)).jobs[0]!.owner).toBeNull();
    });

    it('creates once per idempotency key and replays the same jobs after', async () => {
      const store = await open();
      const first = await store.create(newJobs(2), T0, 'key-1');
      const again = await store.create(newJobs(2), T0 + 1, 'key-1');
      expect(again).toEqual({ jobs: first.jobs, replayed: true });
      const other = await store.create(newJobs(1), T0 + 2, 'key-2');
      expect(other.replayed).toBe(false);
      expect((await store.counts()).queued).toBe(3);
    });

    it('refuses a key reused with other images, storing nothing, and still replays the first request', async () => {
      const store = await open();
      const first = await store.create(newJobs(2), T0, 'key-1');
      const others: NewJob[][] = [
        newJobs(3),
        newJobs(2, new Uint8Array([9, 9, 9])),
        newJobs(2).map((job) => ({ ...job, fileName: `renamed-${job.fileName}` })),
      ];
      for (const jobs of others) await expect(store.create(jobs, T0 + 1, 'key-1')).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect((await store.counts()).queued).toBe(2);
      expect(await store.create(newJobs(2), T0 + 2, 'key-1')).toEqual({ jobs: first.jobs, replayed: true });
    });

    it('remembers a key for the idempotency TTL, then creates anew with it', async () => {
      const store = await open({ idempotencyTtlMs: 1_000 });
      const first = await store.create(newJobs(1), T0, 'key-1');
      expect((await store.create(newJobs(1), T0 + 999, 'key-1')).jobs).toEqual(first.jobs);
      const later = await store.create(newJobs(2), T0 + 1_000, 'key-1');
      expect(later.replayed).toBe(false);
      expect(later.jobs.map((job) => job.id)).not.toContain(first.jobs[0]!.id);
      expect(await store.create(newJobs(2), T0 + 1_500, 'key-1')).toEqual({ jobs: later.jobs, replayed: true });
      expect((await store.counts()).queued).toBe(3);
    });

    it('replays only the jobs of the key that still exist', async () => {
      const store = await open();
      const first = await store.create(newJobs(2), T0, 'key-1');
      await store.remove(first.jobs[0]!.id);
      expect(await store.create(newJobs(2), T0, 'key-1')).toEqual({ jobs: [first.jobs[1]], replayed: true });
      await store.remove(first.jobs[1]!.id);
      expect(await store.create(newJobs(2), T0, 'key-1')).toEqual({ jobs: [], replayed: true });
    });

    it('replays the jobs as they are now', async () => {
      const store = await open();
      const first = await store.create(newJobs(1), T0, 'key-1');
      await leaseOne(store, A);
      const again = await store.create(newJobs(1), T0 + 1, 'key-1');
      expect(again.jobs.map((job) => [job.id, job.status])).toEqual([[first.jobs[0]!.id, 'leased']]);
    });
  });

  // A partitioned queue (Redis, QUEUE_PARTITIONS) admits each partition's share of the limit, and a request's jobs
  // go to one partition: the tests fill every partition, so they hold for one partition as for several.
  describe('admission', () => {
    const partitions = kind.partitions ?? 1;
    /** Creates of `size` jobs, one per partition: each create without a key goes first to the next partition in turn. */
    const fillEvery = (store: JobStore, size: number) => Promise.all(Array.from({ length: partitions }, () => store.create(newJobs(size), T0)));

    it('admits a batch that fits exactly and refuses one that would pass the limit whole, storing nothing', async () => {
      const store = await open({ maxPendingJobs: 4 * partitions });
      await fillEvery(store, 3);
      await expect(store.create(newJobs(2), T0, 'too-many')).rejects.toBeInstanceOf(QueueFullError);
      expect(await store.counts()).toEqual({ queued: 3 * partitions, leased: 0, done: 0, failed: 0 });
      expect((await store.list({ limit: 100 })).jobs).toHaveLength(3 * partitions);
      // The refused key stored nothing either: it creates once there is room.
      expect((await store.create(newJobs(1), T0, 'too-many')).replayed).toBe(false);
      await expect(store.create(newJobs(2), T0)).rejects.toBeInstanceOf(QueueFullError);
    });

    it('never overshoots, however many creates race for the last places', async () => {
      const store = await open({ maxPendingJobs: 10 * partitions });
      const outcomes = await Promise.allSettled(Array.from({ length: 8 * partitions }, () => store.create(newJobs(3), T0)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3 * partitions);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(QueueFullError);
      expect(await store.counts()).toEqual({ queued: 9 * partitions, leased: 0, done: 0, failed: 0 });
    });

    it('counts leased jobs as pending, finished ones not, and still replays a known key when full', async () => {
      const store = await open({ maxPendingJobs: 2 * partitions });
      const first = await store.create(newJobs(2), T0, 'key-1');
      // The key's partition is full: the other creates fill the rest.
      await Promise.all(Array.from({ length: partitions - 1 }, () => store.create(newJobs(2), T0)));
      const lease = await leaseOne(store, A);
      await expect(store.create(newJobs(1), T0)).rejects.toBeInstanceOf(QueueFullError);
      expect(await store.create(newJobs(2), T0, 'key-1')).toMatchObject({ replayed: true, jobs: [{ id: first.jobs[0]!.id }, { id: first.jobs[1]!.id }] });
      await store.complete(lease, A.id, resultOf(1), T0 + 1);
      expect((await store.create(newJobs(1), T0 + 2)).jobs).toHaveLength(1);
      expect(await store.counts()).toEqual({ queued: 2 * partitions, leased: 0, done: 1, failed: 0 });
    });
  });

  describe('lease', () => {
    it('hands out the oldest jobs first, one to each worker in order, then null once the queue is empty', async () => {
      const { store, ids } = await withJobs(5);
      const first = await store.lease([A, B, C], LEASE_MS, T0 + 10);
      expect(first.map((lease) => lease?.jobId)).toEqual(ids.slice(0, 3));
      const second = await store.lease([A, B, C], LEASE_MS, T0 + 20);
      expect(second.map((lease) => lease?.jobId ?? null)).toEqual([ids[3], ids[4], null]);
      expect(await store.lease([A], LEASE_MS, T0 + 30)).toEqual([null]);
    });

    it('carries the fencing token, the deadline, the image and the leased job', async () => {
      const image = new Uint8Array([9, 8, 7, 6]);
      const store = await open();
      const { jobs } = await store.create([newJob('x.png', 'image/png', image)], T0);
      const lease = await leaseOne(store, B, T0 + 50);
      expect(lease).toMatchObject({ jobId: jobs[0]!.id, attempt: 1, deadline: T0 + 50 + LEASE_MS, contentType: 'image/png' });
      expect(lease.leaseId).toEqual(expect.any(String));
      expect(Buffer.from(lease.image).equals(Buffer.from(image))).toBe(true);
      expect(lease.job).toMatchObject({ status: 'leased', attempts: 1, worker: B.name, startedAt: new Date(T0 + 50).toISOString() });
      expect(await store.get(lease.jobId)).toEqual(lease.job);
    });

    it('hands out the prepared image, keeping the original for display, on every lease', async () => {
      const original = new Uint8Array([9, 8, 7, 6]);
      const prepared = Buffer.from([1, 2, 3, 4, 5]);
      const store = await open();
      const { jobs } = await store.create([{ ...newJob('x.jpg', 'image/jpeg', original), prepared: { bytes: prepared, contentType: 'image/webp' } }], T0);
      const id = jobs[0]!.id;
      expect(jobs[0]).toMatchObject({ contentType: 'image/jpeg', size: original.length });
      const first = await leaseOne(store, A, T0 + 10);
      expect(first.contentType).toBe('image/webp');
      expect(Buffer.from(first.image).equals(prepared)).toBe(true);
      await store.release(first, 'lost', 'tab closed', T0 + 20);
      const second = await leaseOne(store, B, T0 + 30);
      expect([second.contentType, Buffer.from(second.image).equals(prepared)]).toEqual(['image/webp', true]);
      const shown = await store.image(id);
      expect(shown?.contentType).toBe('image/jpeg');
      expect(Buffer.from(shown!.bytes).equals(Buffer.from(original))).toBe(true);
    });

    it('hands out the original of a job stored without a prepared image (as every job was before images were prepared)', async () => {
      const original = new Uint8Array([5, 6, 7]);
      const store = await open();
      const { jobs } = await store.create(
        [
          newJob('old.png', 'image/png', original),
          { ...newJob('new.jpg', 'image/jpeg', original), prepared: { bytes: Buffer.from([1]), contentType: 'image/webp' } },
        ],
        T0,
      );
      const leases = await store.lease([A, B], LEASE_MS, T0 + 10);
      expect(leases.map((lease) => [lease!.jobId, lease!.contentType, Buffer.from(lease!.image).toString('hex')])).toEqual([
        [jobs[0]!.id, 'image/png', '050607'],
        [jobs[1]!.id, 'image/webp', '01'],
      ]);
    });

    it('serves a requeued job before newer ones', async () => {
      const { store, ids } = await withJobs(3);
      const lease = await leaseOne(store, A);
      await store.release(lease, 'lost', 'gone', T0 + 1);
      expect((await leaseOne(store, B, T0 + 2)).jobId).toBe(ids[0]);
    });
  });

  describe('complete', () => {
    it('accepts the current lease from its holder and records the result', async () => {
      const { store, ids } = await withJobs(1);
      const lease = await leaseOne(store, A);
      const outcome = await store.complete(lease, A.id, resultOf(7), T0 + 100);
      expect(outcome).toEqual({
        applied: true,
        job: expect.objectContaining({
          id: ids[0],
          status: 'done',
          worker: A.name,
          finishedAt: new Date(T0 + 100).toISOString(),
          error: null,
          result: resultOf(7),
        }),
      });
      expect(await store.get(ids[0]!)).toEqual(outcome.applied && outcome.job);
    });

    it('refuses a foreign worker, a stale lease and an unknown job, writing nothing', async () => {
      const { store, ids } = await withJobs(1);
      const old = await leaseOne(store, A);
      await store.release(old, 'lost', 'gone', T0 + 1);
      const current = await leaseOne(store, B, T0 + 2);
      expect(await store.complete(current, A.id, resultOf(1), T0 + 3)).toEqual({ applied: false, reason: 'not-your-lease' });
      expect(await store.complete(old, A.id, resultOf(1), T0 + 3)).toEqual({ applied: false, reason: 'stale-lease' });
      expect(await store.complete({ jobId: randomUUID(), leaseId: current.leaseId }, B.id, resultOf(1), T0 + 3)).toEqual({
        applied: false,
        reason: 'unknown-job',
      });
      expect((await store.get(ids[0]!))?.status).toBe('leased');
      expect((await store.complete(current, B.id, resultOf(2), T0 + 4)).applied).toBe(true);
      expect(await store.complete(current, B.id, resultOf(3), T0 + 5)).toEqual({ applied: false, reason: 'stale-lease' });
      expect((await store.get(ids[0]!))?.result).toEqual(resultOf(2));
    });
  });

  describe('fail', () => {
    it('requeues a retryable failure, keeping the reason as the error', async () => {
      const { store, ids } = await withJobs(1);
      const lease = await leaseOne(store, A);
      const outcome = await store.fail(lease, A.id, 'decoder hiccup', true, T0 + 10);
      expect(outcome).toEqual({
        applied: true,
        job: expect.objectContaining({ id: ids[0], status: 'queued', attempts: 1, worker: null, error: 'decoder hiccup', finishedAt: null }),
      });
      expect((await leaseOne(store, B, T0 + 20)).attempt).toBe(2);
    });

    it('fails a non-retryable failure at once, naming the attempt', async () => {
      const { store } = await withJobs(1);
      const lease = await leaseOne(store, A);
      const outcome = await store.fail(lease, A.id, 'not an image', false, T0 + 10);
      expect(outcome).toEqual({
        applied: true,
        job: expect.objectContaining({
          status: 'failed',
          worker: A.name,
          finishedAt: new Date(T0 + 10).toISOString(),
          error: 'attempt 1 on worker-a: failed (not an image)',
        }),
      });
    });

    it('is fenced like complete', async () => {
      const { store } = await withJobs(1);
      const lease = await leaseOne(store, A);
      expect(await store.fail(lease, B.id, 'x', false, T0 + 1)).toEqual({ applied: false, reason: 'not-your-lease' });
      expect(await store.fail({ ...lease, leaseId: randomUUID() }, A.id, 'x', false, T0 + 1)).toEqual({ applied: false, reason: 'stale-lease' });
    });

    it('fails the job once its attempts are used up, listing every reason', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 2, maxLeases: 9 });
      await store.fail(await leaseOne(store, A, T0), A.id, 'out of memory', true, T0 + 1);
      await store.release(await leaseOne(store, B, T0 + 2), 'lost', 'tab closed', T0 + 3);
      const outcome = await store.fail(await leaseOne(store, C, T0 + 4), C.id, 'out of memory again', true, T0 + 5);
      const expected =
        'attempt 1 on worker-a: failed (out of memory); attempt 2 on worker-b: lost (tab closed); attempt 3 on worker-c: failed (out of memory again)';
      expect(outcome).toEqual({ applied: true, job: expect.objectContaining({ status: 'failed', attempts: 3, error: expected }) });
      const detail = await store.getDetail(ids[0]!);
      expect(detail?.error).toBe(finalError(detail!.timeline));
    });
  });

  describe('release', () => {
    it('requeues a lost or recovered lease without using up an attempt', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 1, maxLeases: 9 });
      await store.release(await leaseOne(store, A), 'lost', 'tab closed', T0 + 1);
      const outcome = await store.release(await leaseOne(store, B, T0 + 2), 'recovered', 'master restarted', T0 + 3);
      expect(outcome).toEqual({ applied: true, job: expect.objectContaining({ id: ids[0], status: 'queued', attempts: 2, error: 'master restarted' }) });
    });

    it('counts an expired lease as a failed attempt', async () => {
      const { store } = await withJobs(1, { maxAttempts: 1, maxLeases: 9 });
      const outcome = await store.release(await leaseOne(store, A), 'expired', 'lease expired', T0 + LEASE_MS);
      expect(outcome).toEqual({ applied: true, job: expect.objectContaining({ status: 'failed', error: 'attempt 1 on worker-a: expired (lease expired)' }) });
    });

    it('fails a job leased too often, even when no lease counted as a failure', async () => {
      const { store } = await withJobs(1, { maxAttempts: 9, maxLeases: 2 });
      await store.release(await leaseOne(store, A), 'lost', 'gone', T0 + 1);
      const outcome = await store.release(await leaseOne(store, A, T0 + 2), 'lost', 'gone again', T0 + 3);
      expect(outcome.applied && outcome.job.status).toBe('failed');
    });

    it('applies once: a second release of the same lease is stale', async () => {
      const { store } = await withJobs(1);
      const lease = await leaseOne(store, A);
      expect((await store.release(lease, 'expired', 'late', T0 + LEASE_MS)).applied).toBe(true);
      expect(await store.release(lease, 'expired', 'late', T0 + LEASE_MS)).toEqual({ applied: false, reason: 'stale-lease' });
      expect(await store.release({ jobId: randomUUID(), leaseId: lease.leaseId }, 'lost', 'x', T0)).toEqual({ applied: false, reason: 'unknown-job' });
    });
  });

  describe('expired and active leases', () => {
    it('lists leases whose deadline has passed, and every lease held', async () => {
      const { store } = await withJobs(3);
      const early = await leaseOne(store, A, T0);
      const late = await leaseOne(store, B, T0 + 500);
      const done = await leaseOne(store, C, T0);
      await store.complete(done, C.id, resultOf(1), T0 + 1);
      const ref = ({ jobId, leaseId }: Lease) => ({ jobId, leaseId });
      // A store's own leases are due at their deadline, whatever the grace given other masters' leases.
      expect(await store.expiredLeases(T0 + LEASE_MS - 1, LEASE_MS)).toEqual([]);
      expect(await store.expiredLeases(T0 + LEASE_MS, LEASE_MS)).toEqual([ref(early)]);
      expect(sortByJob(await store.expiredLeases(T0 + 500 + LEASE_MS, LEASE_MS))).toEqual(sortByJob([ref(early), ref(late)]));
      expect(sortByJob(await store.activeLeases())).toEqual(sortByJob([ref(early), ref(late)]));
    });
  });

  describe('retry', () => {
    it('queues a failed job again with a fresh attempt budget', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 1, maxLeases: 9 });
      await store.fail(await leaseOne(store, A), A.id, 'bad', true, T0 + 1);
      const retried = await store.retry(ids[0]!);
      expect(retried).toMatchObject({ id: ids[0], status: 'queued', attempts: 0, startedAt: null, finishedAt: null, worker: null, error: null, result: null });
      expect(await store.counts()).toMatchObject({ queued: 1, failed: 0 });
    });

    it('lets a retried job be leased and finished again', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 1, maxLeases: 9 });
      await store.fail(await leaseOne(store, A), A.id, 'bad', true, T0 + 1);
      await store.retry(ids[0]!);
      const lease = await leaseOne(store, B, T0 + 3);
      expect(lease.attempt).toBe(1);
      expect((await store.complete(lease, B.id, resultOf(4), T0 + 4)).applied).toBe(true);
      const detail = await store.getDetail(ids[0]!);
      expect(detail?.attempts).toBe(detail?.timeline.length);
    });

    it('leaves jobs that are not failed alone', async () => {
      const { store, ids } = await withJobs(2);
      await leaseOne(store, A);
      expect(await store.retry(ids[0]!)).toBeNull();
      expect(await store.retry(ids[1]!)).toBeNull();
      expect(await store.retry(randomUUID())).toBeNull();
    });
  });

  describe('owners', () => {
    it("scopes an idempotency key to its owner: another owner's same key creates anew, and may differ", async () => {
      const store = await open();
      const mine = await store.create(newJobs(2), T0, 'key-1', 'anon-me');
      const theirs = await store.create(newJobs(1, new Uint8Array([9])), T0 + 1, 'key-1', 'anon-them');
      expect(theirs.replayed).toBe(false);
      expect(theirs.jobs[0]!.owner).toBe('anon-them');
      expect(await store.create(newJobs(2), T0 + 2, 'key-1', 'anon-me')).toEqual({ jobs: mine.jobs, replayed: true });
      expect(await store.create(newJobs(1, new Uint8Array([9])), T0 + 3, 'key-1', 'anon-them')).toEqual({ jobs: theirs.jobs, replayed: true });
      await expect(store.create(newJobs(3), T0 + 4, 'key-1', 'anon-me')).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect(await store.counts()).toMatchObject({ queued: 3 });
    });

    it("lists one owner's jobs, all or of one status, newest first, page by page, as they change and go", async () => {
      const store = await open();
      const a1 = (await store.create(newJobs(2), T0, undefined, 'anon-a')).jobs;
      await store.create(newJobs(1), T0 + 1, undefined, 'anon-b');
      await store.create(newJobs(1), T0 + 2);
      const a2 = (await store.create(newJobs(2), T0 + 3, undefined, 'anon-a')).jobs;
      // Newest first.
      const ids = [a2[1]!.id, a2[0]!.id, a1[1]!.id, a1[0]!.id];
      const all = await store.list({ owner: 'anon-a', limit: 10 });
      expect(all.jobs.map((job) => job.id)).toEqual(ids);
      expect(all.nextCursor).toBeNull();
      const first = await store.list({ owner: 'anon-a', limit: 3 });
      expect(first.jobs.map((job) => job.id)).toEqual(ids.slice(0, 3));
      const second = await store.list({ owner: 'anon-a', limit: 3, cursor: first.nextCursor! });
      expect(second).toEqual({ jobs: [all.jobs[3]], nextCursor: null });
      expect((await store.list({ owner: 'anon-nobody', limit: 10 })).jobs).toEqual([]);

      // Every job is leased, then a1[0] is done and the rest go back to the queue; the status lists follow.
      const leases = [...(await store.lease([A, B, C], LEASE_MS, T0 + 4)), ...(await store.lease([A, B, C], LEASE_MS, T0 + 4))];
      expect((await store.list({ owner: 'anon-a', status: 'leased', limit: 10 })).jobs.map((job) => job.id)).toEqual(ids);
      for (const [i, lease] of leases.entries()) {
        if (lease!.jobId === a1[0]!.id) await store.complete(lease!, WORKERS[i % 3]!.id, resultOf(1), T0 + 5);
        else await store.release(lease!, 'recovered', 'put back', T0 + 5);
      }
      expect((await store.list({ owner: 'anon-a', status: 'leased', limit: 10 })).jobs).toEqual([]);
      expect((await store.list({ owner: 'anon-a', status: 'done', limit: 10 })).jobs.map((job) => job.id)).toEqual([a1[0]!.id]);
      const queued = await store.list({ owner: 'anon-a', status: 'queued', limit: 2 });
      expect(queued.jobs.map((job) => job.id)).toEqual(ids.slice(0, 2));
      expect((await store.list({ owner: 'anon-a', status: 'queued', limit: 2, cursor: queued.nextCursor! })).jobs.map((job) => job.id)).toEqual([ids[2]]);

      await store.remove(a2[1]!.id);
      await store.remove(a1[0]!.id);
      expect((await store.list({ owner: 'anon-a', limit: 10 })).jobs.map((job) => job.id)).toEqual([ids[1], ids[2]]);
      expect((await store.list({ owner: 'anon-a', status: 'done', limit: 10 })).jobs).toEqual([]);
      await store.clear();
      expect(await store.list({ owner: 'anon-a', limit: 10 })).toEqual({ jobs: [], nextCursor: null });
      expect(await store.list({ owner: 'anon-b', status: 'queued', limit: 10 })).toEqual({ jobs: [], nextCursor: null });
    });

    it("keeps a retried job in its owner's lists", async () => {
      const store = await open({ maxAttempts: 1, maxLeases: 9 });
      const [job] = (await store.create(newJobs(1), T0, undefined, 'anon-a')).jobs;
      await store.fail(await leaseOne(store, A), A.id, 'bad', true, T0 + 1);
      expect((await store.list({ owner: 'anon-a', status: 'failed', limit: 10 })).jobs.map((j) => j.id)).toEqual([job!.id]);
      await store.retry(job!.id);
      expect((await store.list({ owner: 'anon-a', status: 'failed', limit: 10 })).jobs).toEqual([]);
      expect((await store.list({ owner: 'anon-a', status: 'queued', limit: 10 })).jobs.map((j) => ({ id: j.id, owner: j.owner }))).toEqual([
        { id: job!.id, owner: 'anon-a' },
      ]);
    });
  });

  describe('remove and clear', () => {
    it('removes a job with its image and returns its lease when leased', async () => {
      const { store, ids } = await withJobs(2);
      const lease = await leaseOne(store, A);
      expect(await store.remove(ids[0]!)).toEqual({ removed: true, lease: { jobId: lease.jobId, leaseId: lease.leaseId } });
      expect(await store.remove(ids[1]!)).toEqual({ removed: true, lease: null });
      expect(await store.remove(ids[1]!)).toEqual({ removed: false, lease: null });
      expect(await store.get(ids[0]!)).toBeNull();
      expect(await store.getDetail(ids[0]!)).toBeNull();
      expect(await store.image(ids[0]!)).toBeNull();
      expect(await store.complete(lease, A.id, resultOf(1), T0 + 1)).toEqual({ applied: false, reason: 'unknown-job' });
      expect(await store.activeLeases()).toEqual([]);
      expect(await store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
      expect(await store.lease([A], LEASE_MS, T0 + 2)).toEqual([null]);
    });

    it('clears every job, returning their ids and the leases to cancel', async () => {
      const { store, ids } = await withJobs(3);
      const lease = await leaseOne(store, A);
      const cleared = await store.clear();
      expect([...cleared.ids].sort()).toEqual([...ids].sort());
      expect(cleared.leases).toEqual([{ jobId: lease.jobId, leaseId: lease.leaseId }]);
      expect(await store.list({ limit: 10 })).toEqual({ jobs: [], nextCursor: null });
      expect(await store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
      expect(await store.activeLeases()).toEqual([]);
      const { jobs, replayed } = await store.create(newJobs(1), T0 + 1);
      expect(replayed).toBe(false);
      expect((await store.list({ limit: 10 })).jobs).toEqual(jobs);
    });
  });

  describe('reads', () => {
    it('lists newest first, page by page', async () => {
      const { store, ids } = await withJobs(5);
      const seen: string[] = [];
      let cursor: string | undefined;
      const pageSizes: number[] = [];
      do {
        const page = await store.list({ limit: 2, cursor });
        seen.push(...page.jobs.map((job) => job.id));
        pageSizes.push(page.jobs.length);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(pageSizes).toEqual([2, 2, 1]);
      expect(seen).toEqual([...ids].reverse());
      expect((await store.list({ limit: 5 })).nextCursor).toBeNull();
    });

    it('filters the list by status', async () => {
      const { store, ids } = await withJobs(4);
      const [first, second] = (await store.lease([A, B], LEASE_MS, T0)) as [Lease, Lease];
      await store.complete(first, A.id, resultOf(1), T0 + 1);
      expect((await store.list({ status: 'done', limit: 10 })).jobs.map((job) => job.id)).toEqual([ids[0]]);
      expect((await store.list({ status: 'leased', limit: 10 })).jobs.map((job) => job.id)).toEqual([second.jobId]);
      const queued = await store.list({ status: 'queued', limit: 1 });
      expect(queued.jobs.map((job) => job.id)).toEqual([ids[3]]);
      expect((await store.list({ status: 'queued', limit: 1, cursor: queued.nextCursor! })).jobs.map((job) => job.id)).toEqual([ids[2]]);
      expect(await store.list({ status: 'failed', limit: 10 })).toEqual({ jobs: [], nextCursor: null });
    });

    it('counts jobs by status', async () => {
      const { store } = await withJobs(4);
      const [first, second] = (await store.lease([A, B], LEASE_MS, T0)) as [Lease, Lease];
      await store.complete(first, A.id, resultOf(1), T0 + 1);
      await store.fail(second, B.id, 'bad', false, T0 + 1);
      await leaseOne(store, C, T0 + 2);
      expect(await store.counts()).toEqual({ queued: 1, leased: 1, done: 1, failed: 1 });
    });

    it('returns the image bytes unchanged', async () => {
      const image = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37) % 256);
      const store = await open();
      const { jobs } = await store.create([newJob('all-bytes.webp', 'image/webp', image)], T0);
      const stored = await store.image(jobs[0]!.id);
      expect(stored?.contentType).toBe('image/webp');
      expect(Buffer.from(stored!.bytes).equals(Buffer.from(image))).toBe(true);
      expect(await store.image(randomUUID())).toBeNull();
    });

    it('tells the whole story of a job in its timeline', async () => {
      const { store, ids } = await withJobs(1);
      const first = await leaseOne(store, A, T0 + 10);
      await store.release(first, 'lost', 'tab closed', T0 + 20);
      const second = await leaseOne(store, B, T0 + 30);
      await store.complete(second, B.id, resultOf(5), T0 + 40);
      expect(await store.getDetail(ids[0]!)).toEqual({
        ...(await store.get(ids[0]!)),
        timeline: [
          {
            attempt: 1,
            leaseId: first.leaseId,
            worker: A.id,
            workerName: A.name,
            backend: A.backend,
            startedAt: new Date(T0 + 10).toISOString(),
            endedAt: new Date(T0 + 20).toISOString(),
            outcome: 'lost',
            reason: 'tab closed',
            workerId: A.identity,
            workerClass: 'trusted',
          },
          {
            attempt: 2,
            leaseId: second.leaseId,
            worker: B.id,
            workerName: B.name,
            backend: B.backend,
            startedAt: new Date(T0 + 30).toISOString(),
            endedAt: new Date(T0 + 40).toISOString(),
            outcome: 'done',
            reason: null,
            workerId: B.identity,
            workerClass: 'trusted',
          },
        ],
      });
      expect(await store.getDetail(randomUUID())).toBeNull();
    });
  });
});

const sortByJob = <T extends { jobId: string }>(leases: T[]) => [...leases].sort((a, b) => a.jobId.localeCompare(b.jobId));
