// A read asked of the embedded store once it closes (a request still in flight while the master stops) is refused as a
// write is: StoreUnavailableError, which the API answers 503 store-unavailable, never the driver's raw
// "connection is not open" answered 500. So is every write, and the writes that read first (retention's steps); a create
// before it moves its uploads in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { JobStore } from '../store/job-store.ts';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

const worker = { id: 'w', name: 'w', backend: 'test', identity: 'w', workerClass: 'trusted' as const };

const dirs: string[] = [];
const masters: TestMaster[] = [];
afterEach(async () => {
  for (const master of masters.splice(0)) await master.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const lease = { jobId: 'j', leaseId: 'l' };
const result = { predictions: [], model: 'm', backend: 'test', inferenceMs: 1 };

// Every method but close, asked after close. Keyed by the interface, so a method added to JobStore fails to compile
// until it is added here: reads (which the store guards one by one) and writes (which its group commit refuses) alike.
const callsAfterClose: Record<Exclude<keyof JobStore, 'close'>, (store: JobStore, id: string) => Promise<unknown>> = {
  get: (store, id) => store.get(id),
  getDetail: (store, id) => store.getDetail(id),
  image: (store, id) => store.image(id),
  list: (store) => store.list({ limit: 10 }),
  counts: (store) => store.counts(),
  votes: (store, id) => store.votes(id),
  expiredLeases: (store) => store.expiredLeases(T0, 0),
  activeLeases: (store) => store.activeLeases(),
  openTo: (store) => store.openTo([worker]),
  ping: (store) => store.ping(),
  expireImages: (store) => store.expireImages(T0, T0, 10),
  expireJobs: (store) => store.expireJobs(T0, 10),
  forgetIdempotencyKeys: (store) => store.forgetIdempotencyKeys(T0, 10),
  create: (store) => store.create(newJobs(1), T0),
  lease: (store) => store.lease([worker], 1_000, T0),
  complete: (store) => store.complete(lease, 'w', result, T0),
  vote: (store) => store.vote(lease, 'w', result, false, T0),
  settleWaiting: (store, id) => store.settleWaiting(id, ['l'], result, T0),
  reopenAnsweredBy: (store) =>
    store.reopenAnsweredBy(
      'w',
      { reason: 'reopened', now: () => T0, imageExpiredReason: 'unverified', answersFullReason: 'full', trustedWorkerConnected: false },
      () => {},
    ),
  fail: (store) => store.fail(lease, 'w', 'failed', true, T0),
  refuse: (store) => store.refuse(lease, 'w', 'refused', T0),
  failForGood: (store) => store.failForGood(lease, 'gone', T0),
  release: (store) => store.release(lease, 'lost', 'lost', T0),
  retry: (store, id) => store.retry(id, T0),
  remove: (store, id) => store.remove(id),
  clear: (store) => store.clear(),
};

it.each(Object.entries(callsAfterClose))('refuses %s asked for after close as it refuses a write', async (_name, call) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const { id } = (await store.create(newJobs(1), T0)).jobs[0]!;
  await store.close();

  const writeRefused = (await store.retry(id, T0).catch((error: unknown) => error)) as Error;
  expect(writeRefused).toBeInstanceOf(StoreUnavailableError);
  const refused = (await call(store, id).then(
    () => null,
    (error: unknown) => error,
  )) as Error | null;
  expect(refused).toBeInstanceOf(StoreUnavailableError);
  expect(refused!.message).toBe(writeRefused.message);
});

it('refuses a create after close before touching its files: the upload left where it was, nothing in the images folder', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  await store.close();

  const jobs = newJobs(2);
  await expect(store.create(jobs, T0)).rejects.toBeInstanceOf(StoreUnavailableError);
  expect(jobs.map((job) => fs.existsSync(job.image.path))).toEqual([true, true]);
  expect(fs.readdirSync(path.join(dir, 'images'))).toEqual([]);
});

it('answers a request that reads the closed store 503 store-unavailable, not 500', async () => {
  const master = await startTestMaster();
  masters.push(master);
  // As when the master stops with a request still in flight: the store is closed before the request reads it.
  await master.store.close();

  for (const url of [`${master.url}/api/jobs/00000000-0000-4000-8000-000000000000`, `${master.url}/api/jobs?limit=5`]) {
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: { code: 'store-unavailable', message: 'the store is unreachable just now; nothing was stored, try again shortly' },
    });
  }
});
