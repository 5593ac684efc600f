// Retention through a real master, on both stores, with tiny retention times: a finished job's image goes (file or
// Redis field) and its GET answers 410 while the result stays readable; a failed job without its image cannot be
// retried (409); boards hear it; the job itself goes later (boards hear that too); queued and leased jobs are never
// touched; a job without its image that leaned on a volunteer blacklisted later stays done, unverified, saying why.
// Retention is checked by what the master does on its own timer, so the test waits for it (until), and the two
// horizons are two masters on the same store, one after the other, so no step depends on how fast the other ran.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { getJob, newOwner, settled, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, tempDataDir, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import { ApiError, JobDetailView } from '../api-types.ts';
import type { StatsView } from '../stats-api-types.ts';
import { CloseCode } from '../protocol.ts';
import { openApiDocument } from '../../test/support/api-document.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';

const STORES: { name: string; overrides: () => { redisUrl?: string; redisPrefix?: string } }[] = [
  { name: 'sqlite', overrides: () => ({}) },
  { name: 'redis', overrides: () => ({ redisUrl: TEST_REDIS_URL, redisPrefix: `test:${randomUUID()}:` }) },
];
const DAY_MS = 86_400_000;
const images = uploadsFrom(devImages(4).map((image) => image.path));

/** A gold folder of one red image whose answer is class 1, so that a volunteer answering 999 fails its first spot check. */
let goldDir: string;
beforeAll(async () => {
  goldDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-gold-'));
  const red = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 220, g: 20, b: 20 } } })
    .png()
    .toBuffer();
  fs.writeFileSync(path.join(goldDir, 'red.png'), red);
  fs.writeFileSync(path.join(goldDir, 'gold.csv'), 'file,index,margin\nred.png,1,0.9\n');
});
afterAll(() => fs.rmSync(goldDir, { recursive: true, force: true }));

describe.each(STORES)('retention on a real master over $name', ({ overrides }) => {
  const masters: TestMaster[] = [];
  const workers: SyntheticWorker[] = [];
  const boards: SseClient[] = [];
  afterEach(async () => {
    for (const board of boards.splice(0)) board.close();
    for (const worker of workers.splice(0)) worker.close();
    for (const master of masters.splice(0)) await master.close();
  });

  async function master(settings: Record<string, unknown>): Promise<TestMaster> {
    const started = await startTestMaster({ retentionSweepMs: 50, leaseMs: 60_000, ...settings });
    masters.push(started);
    return started;
  }

  /** A volunteer that answers its first job and holds the others without answering. */
  async function volunteer(url: string): Promise<SyntheticWorker> {
    let received = 0;
    const worker = await SyntheticWorker.connect({ masterUrl: url, onJob: (job, self) => void (received++ === 0 && self.succeed(job.header, 281)) });
    workers.push(worker);
    return worker;
  }

  /** A trusted worker whose word fails a job: only it may fail one, a volunteer cannot. */
  async function naysayer(url: string): Promise<SyntheticWorker> {
    const worker = await SyntheticWorker.connect({
      masterUrl: url,
      hello: { fleetToken: TEST_FLEET_TOKEN },
      onJob: (job, self) => self.fail(job.header, 'cannot decode', false),
    });
    workers.push(worker);
    return worker;
  }

  async function board(url: string): Promise<SseClient> {
    const client = await SseClient.open(url);
    boards.push(client);
    return client;
  }

  it('deletes images, then jobs, after their retention, keeping results meanwhile and never touching unfinished jobs', async () => {
    const store = { ...overrides(), dataDir: tempDataDir() };
    const redis = store.redisUrl ? new Redis(store.redisUrl) : null;
    /** Whether the store still holds the job's image and its prepared form: their files, or their fields of the Redis `images` and `prepared` hashes. */
    const imageStored = async (id: string) => {
      if (!redis) return [id, `${id}.prepared`].map((file) => fs.existsSync(path.join(store.dataDir, 'images', file)));
      const keys = new RedisKeys(store.redisPrefix!);
      return [(await redis.hexists(keys.images, id)) === 1, (await redis.hexists(keys.prepared, id)) === 1];
    };
    try {
      // Images kept 300 ms after their job ended, jobs a day.
      const first = await master({ ...store, imageRetentionMs: 300, jobRetentionMs: DAY_MS });
      const events = await board(first.url);
      const owner = await newOwner(first.url);
      await volunteer(first.url);
      const [doneId] = await submit(first.url, images.slice(0, 1), owner);
      await settled(first.url, [doneId!], 20_000);
      // Private, so that the trusted naysayer takes it and the volunteer does not.
      const fleet = await naysayer(first.url);
      const [failedId] = await submit(first.url, images.slice(1, 2), { ...owner, 'Private-Job': 'true' });
      expect((await settled(first.url, [failedId!], 20_000))[0]!.status).toBe('failed');
      fleet.close();
      await until(async () => (await (await fetch(`${first.url}/api/workers`)).json()).workers.length === 1, 'the naysayer gone');
      const [leasedId] = await submit(first.url, images.slice(2, 3), owner);
      await until(async () => (await getJob(first.url, leasedId!)).status === 'leased', 'the third job leased');
      // Private: only a trusted worker may take it, and there is none, so it stays queued.
      const [queuedId] = await submit(first.url, images.slice(3, 4), { ...owner, 'Private-Job': 'true' });

      await until(async () => (await getJob(first.url, failedId!)).imageExpiredAt !== null, 'the failed job’s image to expire');
      const done = JobDetailView.parse(await getJob(first.url, doneId!));
      expect(done).toMatchObject({ status: 'done', result: { predictions: [{ index: 281 }] } });
      expect(Date.parse(done.imageExpiredAt!)).toBeGreaterThanOrEqual(Date.parse(done.finishedAt!) + 300);
      expect(await imageStored(doneId!)).toEqual([false, false]);
      expect(await imageStored(failedId!)).toEqual([false, false]);

      const image = await fetch(`${first.url}/api/jobs/${doneId}/image`);
      expect(image.status).toBe(410);
      const gone = ApiError.parse(await image.json());
      expect(gone.error.code).toBe('image-expired');
      expect(gone.error.message).toContain(`its result is kept: GET /api/jobs/${doneId}`);
      const retry = await fetch(`${first.url}/api/jobs/${failedId}/retry`, { method: 'POST', headers: owner });
      expect(retry.status).toBe(409);
      expect(ApiError.parse(await retry.json()).error).toMatchObject({ code: 'image-expired', message: expect.stringContaining('submit the image again') });
      expect((await getJob(first.url, failedId!)).status).toBe('failed');
      // Both answers are described.
      const described = openApiDocument.paths!['/api/jobs/{id}/image']!.get!.responses!;
      expect(Object.keys(described)).toContain('410');

      // The unfinished jobs keep their images, however long they wait.
      for (const [id, status] of [
        [leasedId!, 'leased'],
        [queuedId!, 'queued'],
      ] as const) {
        expect(await getJob(first.url, id)).toMatchObject({ status, imageExpiredAt: null });
        expect((await fetch(`${first.url}/api/jobs/${id}/image`)).status).toBe(200);
        expect(await imageStored(id)).toEqual([true, true]);
      }
      const expiredIds = () =>
        events
          .framesNamed('job')
          .filter((frame) => (frame.data as { transition: string }).transition === 'image-expired')
          .map((frame) => (frame.data as { job: { id: string } }).job.id);
      // Events follow the store: the board may hear of the last expiry a moment after a GET shows it.
      await until(() => expiredIds().length >= 2, 'the board to hear both images expired');
      expect(new Set(expiredIds())).toEqual(new Set([doneId, failedId]));
      await first.close();

      // Jobs kept 600 ms after they ended: the finished ones go, the others stay. A volunteer holds the unfinished jobs
      // it is given (on SQLite the leased one was requeued at the restart) and answers a new job, which ends after
      // the board below is listening, so the board must hear it purged.
      const second = await master({ ...store, imageRetentionMs: 300, jobRetentionMs: 600 });
      const later = await board(second.url);
      const holder = await SyntheticWorker.connect({
        masterUrl: second.url,
        onJob: (job, self) => void (![leasedId, queuedId].includes(job.header.jobId) && self.succeed(job.header, 281)),
      });
      workers.push(holder);
      const [newId] = await submit(second.url, images.slice(0, 1), owner);
      await until(async () => (await fetch(`${second.url}/api/jobs/${newId}`)).status === 404, 'the new job to be removed');
      // The event follows the deletion: a GET may see the job gone a moment before the board hears of it.
      const heardPurged = () => later.framesNamed('job-deleted').some((frame) => (frame.data as { id: string }).id === newId);
      await until(heardPurged, 'the board to hear the new job purged');
      expect(later.framesNamed('job-deleted').map((frame) => frame.data)).toContainEqual({ type: 'job-deleted', transition: 'purged', id: newId });
      for (const id of [doneId!, failedId!]) {
        expect((await fetch(`${second.url}/api/jobs/${id}`)).status).toBe(404);
        expect((await fetch(`${second.url}/api/jobs/${id}/image`)).status).toBe(404);
      }
      if (redis) expect(await redis.hexists(new RedisKeys(store.redisPrefix!).jobs, doneId!)).toBe(0);
      for (const id of [leasedId!, queuedId!]) {
        expect(['queued', 'leased']).toContain((await getJob(second.url, id)).status);
        expect((await fetch(`${second.url}/api/jobs/${id}/image`)).status).toBe(200);
        expect(await imageStored(id)).toEqual([true, true]);
      }
      expect((await (await fetch(`${second.url}/api/health`)).json()).jobs).toMatchObject({ done: 0, failed: 0 });
    } finally {
      await redis?.quit();
      if (store.redisPrefix) await deleteRedisKeys(store.redisPrefix);
    }
  });

  it('leaves a job whose image expired done but unverified, saying why, when the volunteer it leaned on is blacklisted', async () => {
    const store = { ...overrides(), dataDir: tempDataDir() };
    try {
      // One volunteer's answer settles a job on a test master: this one answers honestly, and its image expires.
      const first = await master({ ...store, imageRetentionMs: 100, jobRetentionMs: DAY_MS });
      const honestFirst = await SyntheticWorker.connect({ masterUrl: first.url, onJob: (job, self) => self.succeed(job.header, 281) });
      workers.push(honestFirst);
      const [id] = await submit(first.url, images.slice(0, 1));
      const [done] = await settled(first.url, [id!], 20_000);
      expect(done!.result!.verification).toMatchObject({ state: 'verified', replicas: [{ workerId: honestFirst.welcome.identity.workerId, agreed: true }] });
      await until(async () => (await getJob(first.url, id!)).imageExpiredAt !== null, 'the image to expire');
      await first.close();

      // The same identity comes back lying, on a master with spot checks: caught at its first one, blacklisted.
      const second = await master({ ...store, imageRetentionMs: 100, jobRetentionMs: DAY_MS, goldDir, goldFraction: 0.99 });
      await submit(second.url, images.slice(1, 4));
      const liar = await SyntheticWorker.connect({
        masterUrl: second.url,
        hello: { identity: honestFirst.welcome.identity },
        onJob: (job, self) => self.succeed(job.header, 999),
      });
      workers.push(liar);
      expect(await liar.closed).toBe(CloseCode.identityRevoked);
      await until(async () => (await getJob(second.url, id!)).result!.verification!.state === 'unverified', 'the job marked unverified');
      const after = await getJob(second.url, id!);
      expect(after).toMatchObject({ status: 'done', result: { predictions: done!.result!.predictions }, error: null });
      expect(after.result!.verification!.reason).toMatch(/^a volunteer whose answer it rests on was blacklisted \(.*\) after its image had expired/);
      expect(after.timeline).toEqual(done!.timeline);
      const stats = (await fetch(`${second.url}/api/stats`).then((r) => r.json())) as StatsView;
      expect(stats.transitions.unverified).toBe(1);
    } finally {
      if (store.redisPrefix) await deleteRedisKeys(store.redisPrefix);
    }
  });
});
