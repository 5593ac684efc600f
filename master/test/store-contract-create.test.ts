// The store contract for creating jobs: idempotency keys (each owner's own), admission to a
// bounded queue, and the lists an owner reads back.
// Every store kind runs every case (test/support/store-contract.ts).
import { describe, expect, it } from 'vitest';
import type { JobStore, NewJob, WorkerRef } from '../store/job-store.ts';
import { IdempotencyKeyReusedError, QueueFullError } from '../store/store-errors.ts';
import { describeEveryStore } from '../../test/support/store-contract.ts';
import { T0, LEASE_MS, newJobs, leaseOne, resultOf, TRUSTED_WORKERS as WORKERS } from '../../test/support/store-fixtures.ts';

const [A, B, C] = WORKERS as [WorkerRef, WorkerRef, WorkerRef];

describeEveryStore(({ kind, open }) => {
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
        queuedAt: new Date(T0).toISOString(),
        startedAt: null,
        finishedAt: null,
        worker: null,
        holderClass: null,
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
      await store.retry(job!.id, Date.now());
      expect((await store.list({ owner: 'anon-a', status: 'failed', limit: 10 })).jobs).toEqual([]);
      expect((await store.list({ owner: 'anon-a', status: 'queued', limit: 10 })).jobs.map((j) => ({ id: j.id, owner: j.owner }))).toEqual([
        { id: job!.id, owner: 'anon-a' },
      ]);
    });
  });
});
