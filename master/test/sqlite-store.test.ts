// What only the embedded store promises: its per-status counters (kept by
// triggers, read by admission and /api/health) are right from the first open
// of a database written before they existed, and across restarts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';

const T0 = Date.UTC(2025, 0, 1);
const newJobs = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ fileName: `${i}.jpg`, contentType: 'image/jpeg', image: new Uint8Array([1, 2, 3]) }));
const worker = { id: 'w', name: 'w', backend: 'test', identity: 'w', workerClass: 'trusted' as const };

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

it('counts the jobs of a database written before the counters existed, and keeps counting after a restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  await store.create(newJobs(4), T0);
  const [first, second] = await store.lease([worker, worker], 1_000, T0);
  await store.complete(first!, 'w', { predictions: [], model: 'm', backend: 'b', inferenceMs: 1 }, T0);
  await store.fail(second!, 'w', 'bad', false, T0);
  await store.lease([worker], 1_000, T0);
  await store.close();

  // As an older master left it: no counters, no triggers.
  const db = new Database(path.join(dir, 'jobs.sqlite'));
  db.exec(`DROP TRIGGER job_counts_insert; DROP TRIGGER job_counts_delete; DROP TRIGGER job_counts_update; DROP TABLE job_counts;`);
  db.close();

  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect(await store.counts()).toEqual({ queued: 1, leased: 1, done: 1, failed: 1 });
  await store.create(newJobs(2), T0);
  await store.close();
  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect(await store.counts()).toEqual({ queued: 3, leased: 1, done: 1, failed: 1 });
  await store.clear();
  expect(await store.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
  await store.close();
});
