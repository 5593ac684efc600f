// Jobs stored before jobs said when they last went into the queue (JobView.queuedAt): an SQLite store written
// before the queued_at column gets it at open, and a Redis job saved without queued_at is read as before; either
// way such a job gives its submission, never null, 0 or the epoch, and its next requeue says when it went back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { JobStore, WorkerRef } from '../store/job-store.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { RedisJobStore } from '../store/redis-job-store.ts';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';
import { leaseOne, newJobs, T0 } from '../../test/support/store-fixtures.ts';
import { DEFAULT_TEST_LIMITS, deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';

const worker: WorkerRef = { id: 'w', name: 'w', backend: 'test', identity: 'w', workerClass: 'trusted' };
const submitted = new Date(T0).toISOString();

const dirs: string[] = [];
const prefixes: string[] = [];
const admin = new Redis(TEST_REDIS_URL);
afterEach(async () => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
});
afterAll(() => admin.quit());

/** An older store's job gives its submission; a requeue of it says when it went back. */
async function expectSubmissionThenRequeue(store: JobStore, id: string): Promise<void> {
  expect(await store.get(id)).toMatchObject({ status: 'queued', submittedAt: submitted, queuedAt: submitted });
  expect((await store.list({ limit: 10 })).jobs[0]).toMatchObject({ id, queuedAt: submitted });
  const lease = await leaseOne(store, worker, T0 + 5);
  expect(await store.fail(lease, worker.id, 'hiccup', true, T0 + 10)).toMatchObject({
    applied: true,
    job: { id, status: 'queued', queuedAt: new Date(T0 + 10).toISOString() },
  });
}

it('opens an SQLite store written before queued_at: the column is added and its jobs give their submission', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const { id } = (await store.create(newJobs(1), T0)).jobs[0]!;
  await store.close();
  // As an older master left it: no queued_at column on its jobs.
  const db = new Database(path.join(dir, 'jobs.sqlite'));
  db.exec('ALTER TABLE jobs DROP COLUMN queued_at');
  db.close();

  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  try {
    await expectSubmissionThenRequeue(store, id);
    // New jobs are written with it too.
    const [fresh] = (await store.create(newJobs(1), T0 + 20)).jobs;
    expect(fresh).toMatchObject({ submittedAt: new Date(T0 + 20).toISOString(), queuedAt: new Date(T0 + 20).toISOString() });
  } finally {
    await store.close();
  }
});

it('reads a Redis job saved without queued_at as queued at its submission', async () => {
  const prefix = `test:${randomUUID()}:`;
  prefixes.push(prefix);
  const store = await RedisJobStore.connect({ target: { url: TEST_REDIS_URL }, limits: DEFAULT_TEST_LIMITS, keyPrefix: prefix });
  try {
    const { id } = (await store.create(newJobs(1), T0)).jobs[0]!;
    // As a master from before queued_at stored the job.
    const keys = new RedisKeys(prefix);
    const stored = JSON.parse((await admin.hget(keys.jobs, id))!) as Record<string, unknown>;
    expect(stored.queued_at).toBeDefined();
    delete stored.queued_at;
    await admin.hset(keys.jobs, id, JSON.stringify(stored));
    await expectSubmissionThenRequeue(store, id);
  } finally {
    await store.close();
  }
});
