// The store contract for leases: who gets which job and image, a job whose image is gone (leased without it, failed
// for good), leases ended without a result (lost, expired, recovered), and the leases due or held.
// Every store kind runs every case (test/support/store-contract.ts).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Lease, WorkerRef } from '../store/job-store.ts';
import { describeEveryStore } from '../../test/support/store-contract.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { T0, LEASE_MS, leaseOne, resultOf, TRUSTED_WORKERS as WORKERS, volunteerRef } from '../../test/support/store-fixtures.ts';

const [A, B, C] = WORKERS as [WorkerRef, WorkerRef, WorkerRef];

describeEveryStore(({ open, openData, withJobs }) => {
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

    it("names the holder's class, the master's word, while the job is leased, and none once its lease is over", async () => {
      const { store, ids } = await withJobs(2);
      const volunteer = volunteerRef('v', 'identity-v');
      const [trusted, volunteers] = await store.lease([A, volunteer], LEASE_MS, T0 + 1);
      expect([trusted!.job.holderClass, volunteers!.job.holderClass]).toEqual(['trusted', 'volunteer']);
      expect((await store.get(ids[1]!))!.holderClass).toBe('volunteer');
      await store.complete(trusted!, A.id, resultOf(1), T0 + 2);
      await store.release(volunteers!, 'lost', 'tab closed', T0 + 3);
      expect((await store.list({ limit: 10 })).jobs.map((job) => [job.status, job.holderClass])).toEqual([
        ['queued', null],
        ['done', null],
      ]);
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
      expect(leases.map((lease) => [lease!.jobId, lease!.contentType, Buffer.from(lease!.image!).toString('hex')])).toEqual([
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

  describe('a job whose image is gone', () => {
    it('is leased without it, its prepared image and its original both gone, and the jobs after it with theirs', async () => {
      const { store, loseImages } = await openData();
      const prepared = { bytes: Buffer.from([1]), contentType: 'image/webp' };
      const { jobs } = await store.create(
        [{ ...newJob('gone.jpg', 'image/jpeg', new Uint8Array([5])), prepared }, newJob('kept.png', 'image/png', new Uint8Array([6]))],
        T0,
      );
      await loseImages(jobs[0]!.id);
      const [gone, kept] = await store.lease([A, B], LEASE_MS, T0 + 10);
      expect(gone).toMatchObject({ jobId: jobs[0]!.id, attempt: 1, image: null, job: { status: 'leased', worker: A.name } });
      expect([kept!.jobId, Buffer.from(kept!.image!).toString('hex')]).toEqual([jobs[1]!.id, '06']);
    });

    it("fails for good on failForGood, in the master's words, even on a lease a volunteer holds, and its lease is over", async () => {
      const { store, loseImages } = await openData();
      const { jobs } = await store.create([newJob('gone.png', 'image/png', new Uint8Array([5]))], T0);
      await loseImages(jobs[0]!.id);
      const [lease] = await store.lease([volunteerRef('v', 'identity-v')], LEASE_MS, T0 + 10);
      const failed = await store.failForGood(lease!, 'image-missing: gone', T0 + 20);
      // The master's verdict, not the volunteer's failure: its error names no worker.
      expect(failed).toMatchObject({ applied: true, job: { status: 'failed', error: 'image-missing: gone' } });
      const detail = (await store.getDetail(jobs[0]!.id))!;
      expect(detail.timeline.map((attempt) => [attempt.outcome, attempt.reason])).toEqual([['image-missing', 'image-missing: gone']]);
      expect(await store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 1 });
      expect(await store.activeLeases()).toEqual([]);
      // Fenced: once, and never on a lease that is not the job's.
      expect(await store.failForGood(lease!, 'again', T0 + 30)).toEqual({ applied: false, reason: 'stale-lease' });
      expect(await store.lease([A], LEASE_MS, T0 + 40)).toEqual([null]);
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
      expect(outcome).toEqual({
        applied: true,
        job: expect.objectContaining({ status: 'failed', error: 'attempt 1, worker worker-a (operator fleet): expired (lease expired)' }),
      });
    });

    it('fails a job leased too often, even when no lease counted as a failure', async () => {
      const { store } = await withJobs(1, { maxAttempts: 9, maxLeases: 2 });
      await store.release(await leaseOne(store, A), 'lost', 'gone', T0 + 1);
      const outcome = await store.release(await leaseOne(store, A, T0 + 2), 'lost', 'gone again', T0 + 3);
      expect(outcome.applied && outcome.job.status).toBe('failed');
    });

    it("never fails a job on leases recovered from a master taken for dead or restarted: no worker's fault, nor the job's", async () => {
      const { store } = await withJobs(1, { maxAttempts: 9, maxLeases: 2 });
      await store.release(await leaseOne(store, A), 'recovered', 'master restarted', T0 + 1);
      await store.release(await leaseOne(store, A, T0 + 2), 'recovered', 'master stopped answering', T0 + 3);
      const outcome = await store.release(await leaseOne(store, A, T0 + 4), 'recovered', 'master restarted', T0 + 5);
      expect(outcome).toEqual({ applied: true, job: expect.objectContaining({ status: 'queued', attempts: 3 }) });
      // The crash loop the cap bounds still ends it: leases lost with their worker count, the recovered ones not.
      await store.release(await leaseOne(store, A, T0 + 6), 'lost', 'tab crashed', T0 + 7);
      const lost = await store.release(await leaseOne(store, A, T0 + 8), 'lost', 'tab crashed again', T0 + 9);
      expect(lost.applied && lost.job.status).toBe('failed');
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
      const own = (lease: Lease) => ({ ...ref(lease), abandoned: false });
      // A store's own leases are due at their deadline, whatever the grace given other masters' leases.
      expect(await store.expiredLeases(T0 + LEASE_MS - 1, LEASE_MS)).toEqual([]);
      expect(await store.expiredLeases(T0 + LEASE_MS, LEASE_MS)).toEqual([own(early)]);
      expect(sortByJob(await store.expiredLeases(T0 + 500 + LEASE_MS, LEASE_MS))).toEqual(sortByJob([own(early), own(late)]));
      expect(sortByJob(await store.activeLeases())).toEqual(sortByJob([ref(early), ref(late)]));
    });
  });
});

const sortByJob = <T extends { jobId: string }>(leases: T[]) => [...leases].sort((a, b) => a.jobId.localeCompare(b.jobId));
