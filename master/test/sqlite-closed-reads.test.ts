// A read asked of the embedded store once it closes (a request still in flight while the master stops) is refused as a
// write is: StoreUnavailableError, which the API answers 503 store-unavailable, never the driver's raw
// "connection is not open" answered 500.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
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

it('refuses every read asked for after close as it refuses a write', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const { id } = (await store.create(newJobs(1), T0)).jobs[0]!;
  await store.close();

  const writeRefused = (await store.retry(id).catch((error: unknown) => error)) as Error;
  expect(writeRefused).toBeInstanceOf(StoreUnavailableError);
  const reads = await Promise.allSettled([
    store.get(id),
    store.getDetail(id),
    store.image(id),
    store.list({ limit: 10 }),
    store.counts(),
    store.votes(id),
    store.expiredLeases(T0),
    store.activeLeases(),
    store.openTo([worker]),
    store.ping(),
  ]);
  for (const read of reads) {
    expect(read.status).toBe('rejected');
    const error = (read as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toBe(writeRefused.message);
  }
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
