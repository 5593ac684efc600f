// The store contract for what a worker answers to a lease: a result or a failure, both fenced,
// the attempts they use up, and a failed job retried (never one whose image is gone).
// Every store kind runs every case (test/support/store-contract.ts).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { finalError } from '../store/attempt-rules.ts';
import type { WorkerRef } from '../store/job-store.ts';
import { describeEveryStore } from '../../test/support/store-contract.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { T0, LEASE_MS, leaseOne, resultOf, TRUSTED_WORKERS as WORKERS } from '../../test/support/store-fixtures.ts';

const [A, B, C] = WORKERS as [WorkerRef, WorkerRef, WorkerRef];

describeEveryStore(({ openData, withJobs }) => {
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
    it('requeues a retryable failure, keeping the reason as the error and saying when it went back', async () => {
      const { store, ids } = await withJobs(1);
      const lease = await leaseOne(store, A);
      const outcome = await store.fail(lease, A.id, 'decoder hiccup', true, T0 + 10);
      expect(outcome).toEqual({
        applied: true,
        job: expect.objectContaining({
          id: ids[0],
          status: 'queued',
          attempts: 1,
          worker: null,
          holderClass: null,
          error: 'decoder hiccup',
          finishedAt: null,
          queuedAt: new Date(T0 + 10).toISOString(),
        }),
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
          error: 'attempt 1, worker worker-a (operator fleet): failed (not an image)',
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
        'attempt 1, worker worker-a (operator fleet): failed (out of memory); attempt 2, worker worker-b (operator fleet): lost (tab closed); ' +
        'attempt 3, worker worker-c (operator fleet): failed (out of memory again)';
      expect(outcome).toEqual({ applied: true, job: expect.objectContaining({ status: 'failed', attempts: 3, error: expected }) });
      const detail = await store.getDetail(ids[0]!);
      expect(detail?.error).toBe(finalError(detail!.timeline, DEFAULT_TEST_LIMITS.errorAttemptsShown));
    });

    it('lists only the latest ERROR_ATTEMPTS_SHOWN attempts in the error, counting the earlier ones', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 3, maxLeases: 9, errorAttemptsShown: 2 });
      await store.fail(await leaseOne(store, A, T0), A.id, 'out of memory', true, T0 + 1);
      await store.fail(await leaseOne(store, B, T0 + 2), B.id, 'out of memory', true, T0 + 3);
      const outcome = await store.fail(await leaseOne(store, C, T0 + 4), C.id, 'out of memory again', true, T0 + 5);
      const expected =
        "1 earlier attempt is in the job's timeline; attempt 2, worker worker-b (operator fleet): failed (out of memory); " +
        'attempt 3, worker worker-c (operator fleet): failed (out of memory again)';
      expect(outcome).toEqual({ applied: true, job: expect.objectContaining({ status: 'failed', error: expected }) });
      expect((await store.getDetail(ids[0]!))!.timeline).toHaveLength(3);
    });
  });

  describe('retry', () => {
    it('queues a failed job again with a fresh attempt budget', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 1, maxLeases: 9 });
      await store.fail(await leaseOne(store, A), A.id, 'bad', true, T0 + 1);
      const retried = await store.retry(ids[0]!, T0 + 5);
      expect(retried).toMatchObject({
        job: {
          id: ids[0],
          status: 'queued',
          queuedAt: new Date(T0 + 5).toISOString(),
          attempts: 0,
          startedAt: null,
          finishedAt: null,
          worker: null,
          error: null,
          result: null,
        },
      });
      expect(await store.counts()).toMatchObject({ queued: 1, failed: 0 });
    });

    it('lets a retried job be leased and finished again', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 1, maxLeases: 9 });
      await store.fail(await leaseOne(store, A), A.id, 'bad', true, T0 + 1);
      await store.retry(ids[0]!, Date.now());
      const lease = await leaseOne(store, B, T0 + 3);
      expect(lease.attempt).toBe(1);
      expect((await store.complete(lease, B.id, resultOf(4), T0 + 4)).applied).toBe(true);
      const detail = await store.getDetail(ids[0]!);
      expect(detail?.attempts).toBe(detail?.timeline.length);
    });

    it('refuses a failed job whose image is gone, leaving it failed: it would only fail again', async () => {
      const { store, loseImages } = await openData();
      const { jobs } = await store.create([newJob('gone.png', 'image/png', new Uint8Array([5]))], T0);
      await loseImages(jobs[0]!.id);
      const [lease] = await store.lease([A], LEASE_MS, T0 + 1);
      await store.failForGood(lease!, 'image-missing', T0 + 2);
      expect(await store.retry(jobs[0]!.id, Date.now())).toEqual({ refused: 'image-missing' });
      expect(await store.get(jobs[0]!.id)).toMatchObject({ status: 'failed', imageExpiredAt: null });
      expect(await store.counts()).toMatchObject({ queued: 0, failed: 1 });
    });

    it('leaves jobs that are not failed alone, saying so', async () => {
      const { store, ids } = await withJobs(2);
      await leaseOne(store, A);
      expect(await store.retry(ids[0]!, Date.now())).toEqual({ refused: 'not-failed' });
      expect(await store.retry(ids[1]!, Date.now())).toEqual({ refused: 'not-failed' });
      expect(await store.counts()).toMatchObject({ queued: 1, leased: 1 });
    });

    it('says a job that is not there, never stored or deleted, is not found', async () => {
      const { store, ids } = await withJobs(1, { maxAttempts: 1, maxLeases: 9 });
      await store.fail(await leaseOne(store, A), A.id, 'bad', true, T0 + 1);
      await store.remove(ids[0]!);
      expect(await store.retry(ids[0]!, Date.now())).toEqual({ refused: 'not-found' });
      expect(await store.retry(randomUUID(), Date.now())).toEqual({ refused: 'not-found' });
    });
  });
});
