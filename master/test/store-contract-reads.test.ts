// The store contract for reading jobs back (lists, counts, images, timelines) and deleting them.
// Every store kind runs every case (test/support/store-contract.ts).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Lease, WorkerRef } from '../store/job-store.ts';
import { describeEveryStore } from '../../test/support/store-contract.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { T0, LEASE_MS, newJobs, leaseOne, resultOf, TRUSTED_WORKERS as WORKERS } from '../../test/support/store-fixtures.ts';

const [A, B, C] = WORKERS as [WorkerRef, WorkerRef, WorkerRef];

describeEveryStore(({ open, withJobs }) => {
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

    it('clears every job, returning their ids and the leases to cancel, in what the caller passed', async () => {
      const { store, ids } = await withJobs(3);
      const lease = await leaseOne(store, A);
      const passed = { ids: [], leases: [] };
      const cleared = await store.clear(passed);
      expect(cleared).toBe(passed);
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
});
