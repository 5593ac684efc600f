// A job whose stored image is gone (deleted by hand from DATA_DIR/images or from Redis, lost to a damaged disk), on a
// real master, a real store and a worker speaking the real protocol: the lease that finds it fails it through the
// lifecycle, so a board's event stream hears `failed` with the reason, and its worker, sent nothing for it, is dealt
// the next job; it fails in the master's words, never as the failure of the volunteer that leased it. Nor can it be
// retried: it would only fail again. A job deleted while its lease was being written is no image gone.
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { getJob, until } from '../../test/support/jobs-client.ts';
import { ADMIN_TOKEN, stats, submit, useLifecycleMasters } from '../../test/support/lifecycle-masters.ts';
import { loseImageFiles, loseRedisImages } from '../../test/support/lost-images.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';
import type { JobView } from '../api-types.ts';
import { FileImageStore } from '../images/file-image-store.ts';
import { IMAGE_MISSING } from '../lifecycle/job-dealing.ts';

const { storeConfig, master, worker } = useLifecycleMasters();

describe.each(['sqlite', 'redis'] as const)('on the %s store', (kind) => {
  /** A master holding `count` jobs, the first one's images lost. */
  async function withImageLost(count: number) {
    const config = storeConfig(kind === 'redis' ? { url: TEST_REDIS_URL } : undefined);
    const m = await master(config);
    const ids = await submit(m, count);
    if (kind === 'redis') await loseRedisImages({ url: TEST_REDIS_URL }, config.redisPrefix as string, 1, ids[0]!);
    else loseImageFiles(m.dataDir, ids[0]!);
    return { m, ids };
  }

  it('fails a job whose image is gone when it is leased, tells the boards, and deals its worker the next job', async () => {
    const { m, ids } = await withImageLost(2);
    const [gone, next] = ids as [string, string];
    const board = await SseClient.open(m.url);
    try {
      const w = await worker(m, { onJob: (job, self) => self.succeed(job.header) });
      const events = () => board.framesNamed('job').map((frame) => frame.data as { transition: string; job: JobView });
      await until(() => events().some(({ job }) => job.id === next && job.status === 'done'), 'the next job to be done');

      expect(
        events()
          .filter(({ job }) => job.id === gone)
          .map(({ transition, job }) => [transition, job.status]),
      ).toEqual([['failed', 'failed']]);
      const failed = events().find(({ job }) => job.id === gone)!.job;
      expect(failed.error).toBe(IMAGE_MISSING);
      expect(
        events()
          .filter(({ job }) => job.id === next)
          .map(({ transition }) => transition),
      ).toEqual(['leased', 'completed']);
      expect(w.jobs.map((job) => job.header.jobId)).toEqual([next]);
      expect(await m.store.counts()).toEqual({ queued: 0, leased: 0, done: 1, failed: 1 });
    } finally {
      board.close();
    }
  });

  it("fails it in the master's words when a volunteer leases it: its attempt and error are not the volunteer's", async () => {
    const { m, ids } = await withImageLost(1);
    const [gone] = ids as [string];
    await worker(m, { hello: { fleetToken: undefined } });
    await until(async () => (await m.store.get(gone))?.status === 'failed', 'the job to fail');

    const job = await getJob(m.url, gone);
    expect(job.error).toBe(IMAGE_MISSING);
    expect(job.timeline.map((attempt) => [attempt.workerClass, attempt.outcome, attempt.reason])).toEqual([['volunteer', 'image-missing', IMAGE_MISSING]]);
    // The statistics count it among failed attempts, as the README and OpenAPI say.
    expect((await stats(m)).dispatch.failedAttempts).toBe(1);
  });

  it('refuses to retry a failed job whose image is gone: 409 image-missing, in plain words, the job left failed', async () => {
    const { m, ids } = await withImageLost(1);
    const [gone] = ids as [string];
    await worker(m);
    await until(async () => (await m.store.get(gone))?.status === 'failed', 'the job to fail');

    const retried = await fetch(`${m.url}/api/jobs/${gone}/retry`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(retried.status).toBe(409);
    expect(await retried.json()).toEqual({
      error: {
        code: 'image-missing',
        message: `the image of job ${gone} is gone from the master's storage (removed by hand, or lost to a damaged disk), so there is nothing to retry it on; submit the image again`,
      },
    });
    expect(await m.store.get(gone)).toMatchObject({ status: 'failed' });
  });

  it('answers a retry the store refused as not failed with 409 not-failed, though the job reads back failed with its image', async () => {
    const { m, ids } = await withImageLost(2);
    const failed = ids[1]!;
    await worker(m, { onJob: (job, self) => self.fail(job.header, 'cannot decode', false) });
    await until(async () => (await m.store.get(failed))?.status === 'failed', 'the job with its image to fail');
    // Another master's retry won, and the job failed again at once: this one's store saw it not failed.
    vi.spyOn(m.store, 'retry').mockResolvedValueOnce({ refused: 'not-failed' });

    const retried = await fetch(`${m.url}/api/jobs/${failed}/retry`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(retried.status).toBe(409);
    expect(await retried.json()).toEqual({ error: { code: 'not-failed', message: `job ${failed} changed while retrying; look again` } });
  });
});

it('takes a job deleted while its lease is being written for deleted, not for one whose image is gone', async () => {
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
  const m = await master(storeConfig(undefined), log);
  const [id] = (await submit(m, 1)) as [string];
  // The lease is written; its image is read only once the job is deleted.
  let reached!: () => void;
  const atImage = new Promise<void>((resolve) => (reached = resolve));
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const getPrepared = FileImageStore.prototype.getPrepared;
  const held = vi.spyOn(FileImageStore.prototype, 'getPrepared').mockImplementationOnce(async function (this: FileImageStore, jobId: string) {
    reached();
    await gate;
    return getPrepared.call(this, jobId);
  });
  const failForGood = vi.spyOn(m.store, 'failForGood');
  try {
    const w = await worker(m);
    await atImage;
    const deleted = await fetch(`${m.url}/api/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(deleted.status).toBe(204);
    openGate();
    await m.lifecycle.idle();

    expect(warnings).toEqual([]);
    expect(failForGood).not.toHaveBeenCalled();
    expect(w.jobs).toEqual([]);
    expect(await m.store.get(id)).toBeNull();
    expect(await m.store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
  } finally {
    held.mockRestore();
  }
});
