// An upload whose commit SQLite could not sync (EIO: a failing disk) is answered as not stored, and its images are
// deleted; but the commit's pages may have reached the write-ahead log, and SQLite brings its rows back at the next
// open. Such a job (queued, never leased, no image: images are synced before their rows are committed) is removed at
// open with its Idempotency-Key, in one log line; a job leased since, whose image a damaged disk lost, is kept, to fail
// as image-missing for all to see.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { SqliteGroupCommit } from '../store/sqlite-group-commit.ts';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';
import { capturedLog } from '../../test/support/captured-log.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';

const worker = { id: 'w', name: 'w', backend: 'test', identity: 'w', workerClass: 'trusted' as const };

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

it('removes at open the jobs of an upload reported not stored that SQLite brought back, with their key, and keeps the others', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-unstored-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  // A job leased once, then requeued; its image is lost later (a damaged disk).
  const leasedOnce = (await store.create(newJobs(1), T0)).jobs[0]!.id;
  await store.release((await store.lease([worker], 1_000, T0))[0]!, 'lost', 'socket closed', T0);
  const stored = (await store.create(newJobs(1), T0, 'stored-key')).jobs[0]!.id;

  // The sync of an upload's commit fails after SQLite wrote its pages: as SQLite replays them at the next open, its rows
  // are there, though the upload failed and its images were deleted.
  const write = SqliteGroupCommit.prototype.write;
  vi.spyOn(SqliteGroupCommit.prototype, 'write').mockImplementationOnce(async function (this: SqliteGroupCommit, change, options) {
    await write.call(this, change, options);
    throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_FSYNC' });
  });
  await expect(store.create(newJobs(2), T0, 'unstored-key')).rejects.toMatchObject({ code: 'SQLITE_IOERR_FSYNC' });
  expect(await store.counts()).toMatchObject({ queued: 4 });
  fs.rmSync(path.join(dir, 'images', leasedOnce));
  await store.close();

  const { log, lines } = capturedLog();
  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS, log);
  try {
    expect(lines.filter((line) => line.level >= 40)).toMatchObject([{ level: 40, count: 2, msg: expect.stringContaining('reported not stored') }]);
    expect(await store.counts()).toMatchObject({ queued: 2 });
    expect((await store.list({ limit: 10 })).jobs.map((job) => job.id).sort()).toEqual([leasedOnce, stored].sort());
    // The client told its upload was not stored sends it again under its key: stored anew, not "replayed" as no jobs.
    const again = await store.create(newJobs(2), T0, 'unstored-key');
    expect(again).toMatchObject({ replayed: false, jobs: [{ status: 'queued' }, { status: 'queued' }] });
    expect((await store.create(newJobs(1), T0, 'stored-key')).jobs.map((job) => job.id)).toEqual([stored]);
    // The job leased before keeps failing for all to see, at its next lease.
    expect(await store.lease([worker], 1_000, T0)).toMatchObject([{ jobId: leasedOnce, image: null }]);
  } finally {
    await store.close();
  }
});
