// An image file the disk will not delete (a disk error), on the embedded store: the rows that named it are gone, so the
// change stands. The store answers what it removed or expired; on a real master DELETE /api/jobs/:id answers 204,
// boards hear `cancelled` and the worker holding the job is told to drop it, and a retention sweep publishes
// `image-expired` and `purged`. The file is warned of once and deleted again at the next retention step. Before, each
// of them answered as if it had failed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';

const ADMIN_TOKEN = 'undeletable-images-admin-token';
const uploads = uploadsFrom([devImages(1)[0]!.path]);
const fleet = { id: 'w', name: 'w', backend: 'test', identity: 'w', workerClass: 'trusted' as const };
const result = { predictions: [], model: 'm', backend: 'b', inferenceMs: 1 };

let master: TestMaster | undefined;
const closing: { close(): void }[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const part of closing.splice(0)) part.close();
  await master?.close();
  if (master) fs.rmSync(master.dataDir, { recursive: true, force: true });
  master = undefined;
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A logger that keeps the warnings it writes, each as its file and message. */
function warnings() {
  const warned: { file?: string; msg: string }[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void warned.push(JSON.parse(line) as { file?: string; msg: string }) });
  return { log, files: () => warned.flatMap(({ file }) => (file ? [file] : [])), warned: () => warned.map(({ file, msg }) => ({ file, msg })) };
}

/** Where the job's image file was, a folder that a file's delete cannot remove. */
function jamImageFile(dataDir: string, jobId: string): string {
  const image = path.join(dataDir, 'images', jobId);
  fs.rmSync(image);
  fs.mkdirSync(image);
  fs.writeFileSync(path.join(image, 'debris'), 'x');
  return image;
}

function openStore(maxUndeletedImages?: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  const { log, files, warned } = warnings();
  return { dir, store: new SqliteJobStore(dir, DEFAULT_TEST_LIMITS, log, maxUndeletedImages), warnedFiles: files, warned };
}

it('expires an image whose file a delete could not remove, warns of the file once, and deletes it at a later retention step', async () => {
  const { dir, store, warnedFiles } = openStore();
  const { id } = (await store.create(newJobs(1), T0)).jobs[0]!;
  const [lease] = await store.lease([fleet], 1_000, T0);
  await store.complete(lease!, 'w', result, T0);
  const image = jamImageFile(dir, id);
  expect((await store.expireImages(T0, T0 + 1, 10)).map((job) => [job.id, job.imageExpiredAt])).toEqual([[id, new Date(T0 + 1).toISOString()]]);
  expect(await store.expireImages(T0, T0 + 2, 10)).toEqual([]);
  expect(warnedFiles()).toEqual([image]);

  // Mended, its file still there: the next step, with nothing more due, deletes it.
  fs.rmSync(image, { recursive: true });
  fs.writeFileSync(image, 'the image');
  expect(await store.expireImages(T0, T0 + 3, 10)).toEqual([]);
  expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([]);
  expect(warnedFiles()).toEqual([image]);
  await store.close();
});

it('removes, clears and purges jobs whose image files a delete could not remove, answering what it removed', async () => {
  const { dir, store, warnedFiles } = openStore();
  const [leased, ended, cleared] = (await store.create(newJobs(3), T0)).jobs.map((job) => job.id) as [string, string, string];
  const [lease, done] = await store.lease([fleet, { ...fleet, id: 'w2' }], 1_000, T0);
  await store.complete(done!, 'w2', result, T0);
  const jammed = [leased, ended, cleared].map((id) => jamImageFile(dir, id));

  expect(await store.remove(leased)).toEqual({ removed: true, lease: { jobId: leased, leaseId: lease!.leaseId } });
  expect(await store.expireJobs(T0, 10)).toEqual([ended]);
  expect(await store.clear()).toEqual({ ids: [cleared], leases: [] });
  expect(await store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
  expect(warnedFiles()).toEqual(jammed);
  await store.close();
});

it('remembers at most MAX_UNDELETED_IMAGES files to delete again: past it the oldest is forgotten, saying so, and left to the next open', async () => {
  const { dir, store, warned } = openStore(2);
  const ids = (await store.create(newJobs(3), T0)).jobs.map((job) => job.id);
  const jammed = ids.map((id) => jamImageFile(dir, id));
  expect(await store.clear()).toMatchObject({ ids });
  const couldNotDelete = 'could not delete an image file: it is tried again at each retention step';
  const forgotten =
    'too many image files could not be deleted to remember them all (MAX_UNDELETED_IMAGES): the oldest is no longer tried again, only at the next start';
  expect(warned()).toEqual([
    { file: jammed[0], msg: couldNotDelete },
    { file: jammed[1], msg: couldNotDelete },
    { file: jammed[0], msg: forgotten },
    { file: jammed[2], msg: couldNotDelete },
  ]);

  // Mended: the next retention step deletes the two remembered; the forgotten one waits for the next open's sweep.
  for (const image of jammed) {
    fs.rmSync(image, { recursive: true });
    fs.writeFileSync(image, 'the image');
  }
  expect(await store.expireImages(T0, T0 + 1, 10)).toEqual([]);
  expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([ids[0]]);
  await store.close();
  await new SqliteJobStore(dir, DEFAULT_TEST_LIMITS).close();
  expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([]);
});

/** A master whose log keeps the files it warns of, a board on its events, and one submitted job. */
async function started(overrides: Record<string, unknown> = {}) {
  const { log, files } = warnings();
  master = await startTestMaster({ adminToken: ADMIN_TOKEN, ...overrides }, {}, log);
  const board = await SseClient.open(master.url);
  closing.push(board);
  const [id] = (await submit(master.url, uploads)) as [string];
  return { m: master, board, id, warnedFiles: files };
}

async function worker(m: TestMaster, answer: boolean): Promise<SyntheticWorker> {
  const connected = await SyntheticWorker.connect({
    masterUrl: m.url,
    hello: { fleetToken: TEST_FLEET_TOKEN },
    onJob: (job, self) => answer && self.succeed(job.header),
  });
  closing.push({ close: () => connected.terminate() });
  return connected;
}

const transitionsOf = (board: SseClient, id: string) =>
  board.frames
    .map((frame) => frame.data as { transition: string; id?: string; job?: { id: string } })
    .filter((event) => (event.job?.id ?? event.id) === id)
    .map((event) => event.transition);

it('deletes a leased job whose image file will not delete: 204, cancelled on the boards, the worker told to drop it', async () => {
  const { m, board, id, warnedFiles } = await started();
  const holder = await worker(m, false);
  await until(() => holder.jobs.length === 1, 'the worker to hold the job');
  const image = jamImageFile(m.dataDir, id);

  const deleted = await fetch(`${m.url}/api/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(deleted.status).toBe(204);
  await until(() => holder.messages.some((message) => message.type === 'cancel' && message.jobId === id), 'the worker to be told to drop the job');
  await until(() => transitionsOf(board, id).includes('cancelled'), 'the board to hear of the deletion');
  expect(transitionsOf(board, id)).toEqual(['submitted', 'leased', 'cancelled']);
  expect(await m.store.get(id)).toBeNull();
  expect(warnedFiles()).toEqual([image]);
});

it('publishes image-expired and purged for a job whose image file will not delete', async () => {
  const { m, board, id, warnedFiles } = await started({ imageRetentionMs: 1, jobRetentionMs: 1 });
  await worker(m, true);
  await until(() => transitionsOf(board, id).includes('completed'), 'the job to be done');
  const image = jamImageFile(m.dataDir, id);

  expect(await m.retention.sweep(Date.now() + 1_000)).toMatchObject({ images: 1, jobs: 1 });
  await until(() => transitionsOf(board, id).includes('purged'), 'the board to hear of the purge');
  expect(transitionsOf(board, id)).toEqual(['submitted', 'leased', 'completed', 'image-expired', 'purged']);
  expect(warnedFiles()).toEqual([image]);
});
