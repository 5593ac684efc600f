// Several masters sharing Redis, as separate processes: work submitted to one is
// done by workers of another, every board sees every job, a master killed with
// -9 loses nothing, and a Redis restart costs 503s during the outage, not jobs.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiError, LiveEvent } from '../api-types.ts';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { freePort } from '../../test/support/free-port.ts';
import { getJob, settled, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { devImages } from '../../test/support/paths.ts';
import { startRedis, stopRedis } from '../../test/support/redis-server.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';

const uploads = uploadsFrom(devImages(6).map((image) => image.path));
const masters: MasterProcess[] = [];
const workers: SyntheticWorker[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.terminate();
  for (const master of masters.splice(0)) await master.stop('SIGKILL');
  for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
});

async function master(env: Record<string, string>): Promise<MasterProcess> {
  const started = await spawnMaster(env);
  masters.push(started);
  return started;
}

async function twoMasters(env: Record<string, string> = {}) {
  const prefix = `test:${randomUUID()}:`;
  prefixes.push(prefix);
  const shared = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ...env };
  return [await master(shared), await master(shared)] as const;
}

async function worker(masterUrl: string, options: Omit<SyntheticWorkerOptions, 'masterUrl'> = {}) {
  const connected = await SyntheticWorker.connect({ masterUrl, ...options });
  workers.push(connected);
  return connected;
}

const answerAll: SyntheticWorkerOptions['onJob'] = (job, w) => w.succeed(job.header);

/** The next SSE event of a type from a master's /api/events. */
async function nextEvent<T extends LiveEvent>(masterUrl: string, type: T['type'], match: (data: T) => boolean): Promise<T> {
  const response = await fetch(`${masterUrl}/api/events`);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('event stream ended');
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event !== type || !data) continue;
        const parsed = JSON.parse(data) as T;
        if (match(parsed)) return parsed;
      }
    }
  } finally {
    await reader.cancel();
  }
}

describe('masters sharing Redis', () => {
  it('has jobs submitted to A done by B’s workers, and B’s board lists them live', async () => {
    const [a, b] = await twoMasters();
    await worker(b.url, { name: 'worker-of-b', onJob: answerAll });
    const seenOnB = nextEvent<Extract<LiveEvent, { type: 'job' }>>(b.url, 'job', (data) => data.job.status === 'done');
    const ids = await submit(a.url, uploads);
    const jobs = await settled(a.url, ids, 20_000);
    expect(jobs.map((job) => [job.status, job.worker])).toEqual(ids.map(() => ['done', 'worker-of-b']));
    expect(ids).toContain((await seenOnB).job.id);
    const board = (await fetch(`${b.url}/api/jobs?limit=100`).then((r) => r.json())) as { jobs: { id: string }[] };
    expect(board.jobs.map((job) => job.id).sort()).toEqual([...ids].sort());
  });

  it('completes through B the jobs a kill -9 of master A left leased, after their deadline', async () => {
    const [a, b] = await twoMasters({ LEASE_MS: '1500' });
    const holder = await worker(a.url, { name: 'worker-of-a', credit: 2 });
    const ids = await submit(a.url, uploads);
    await until(() => holder.jobs.length === 2, 'A’s worker to hold two jobs');
    await a.stop('SIGKILL');

    const answers = new Map<string, number>();
    await worker(b.url, {
      name: 'worker-of-b',
      onJob: (job, w) => {
        answers.set(job.header.jobId, (answers.get(job.header.jobId) ?? 0) + 1);
        w.succeed(job.header);
      },
    });
    const jobs = await settled(b.url, ids, 20_000);
    expect(jobs.every((job) => job.status === 'done' && job.worker === 'worker-of-b')).toBe(true);
    expect([...answers.values()].every((count) => count === 1)).toBe(true);
    // Ended by B as recovered (its reaper past the grace, or its master watch): A did not reap them, so no fault of A's workers.
    const orphaned = jobs.filter((job) => job.timeline.some((attempt) => attempt.outcome === 'recovered'));
    expect(orphaned.map((job) => job.id).sort()).toEqual(holder.jobs.map((job) => job.header.jobId).sort());
  });

  it('answers 503 during a Redis restart, then completes everything it accepted', async () => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-redis-'));
    // Append-only file fsynced on every write: what a 201 promises needs Redis to keep it.
    let redis = await startRedis(port, { dir });
    try {
      const m = await master({ REDIS_URL: `redis://127.0.0.1:${port}/0` });
      await worker(m.url, { name: 'steady', onJob: answerAll });
      const before = await submit(m.url, uploads.slice(0, 3));
      await settled(m.url, before, 20_000);

      await stopRedis(redis);
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(uploads[0]!.bytes)]), 'during-outage.jpg');
      const refused = await fetch(`${m.url}/api/jobs`, { method: 'POST', body: form });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      expect(((await refused.json()) as ApiError).error.code).toBe('store-unavailable');

      redis = await startRedis(port, { dir });
      let after: string[] = [];
      await until(async () => {
        after = await submit(m.url, uploads.slice(3)).catch(() => []);
        return after.length > 0;
      }, 'submissions accepted again');
      // The worker stayed connected through the outage and gets work again (no stall).
      const jobs = await settled(m.url, [...before, ...after], 20_000);
      expect(jobs.every((job) => job.status === 'done')).toBe(true);
      expect((await getJob(m.url, before[0]!)).result).not.toBeNull();
    } finally {
      await stopRedis(redis);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
