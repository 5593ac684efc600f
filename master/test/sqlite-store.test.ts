// What only the embedded store promises: its per-status counters (kept by
// triggers, read by admission and /api/health) are right from the first open
// of a database written before they existed, and across restarts; attempts
// written before worker identities still count as they did; jobs written
// before owners have none; images kept in the database before they were files
// move out of it; one image file per job, and its prepared image beside it; jobs
// written before images were prepared are leased with their originals; a database
// written before retention gets its column and indexes, and retention reads them,
// never the whole table; jobs written before they showed their votes count them, and a lease held before jobs named
// their holder's class names none; a lease call whose image cannot
// be read puts back the leases it made. (An image file a delete could not remove: undeletable-images.test.ts.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it, vi } from 'vitest';
import { FileImageStore } from '../images/file-image-store.ts';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';
import { DUE_SQL } from '../store/sqlite-retention.ts';
import { ANSWERED_BY_SQL, MARK_ANSWERS_FULL } from '../store/sqlite-statements.ts';
import { IdempotencyKeyReusedError, QueueFullError, StoreUnavailableError } from '../store/store-errors.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';

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

it('opens a database written before worker identities, its attempts counting as trusted ones as they did', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, { ...DEFAULT_TEST_LIMITS, maxAttempts: 2 });
  const { id } = (await store.create(newJobs(1), T0)).jobs[0]!;
  const [lease] = await store.lease([worker], 1_000, T0);
  await store.close();

  // As an older master left it: attempts without identity, class or final columns.
  const db = new Database(path.join(dir, 'jobs.sqlite'));
  db.exec(
    `DROP INDEX attempts_by_identity; DROP INDEX jobs_open_queue; ALTER TABLE attempts DROP COLUMN answer; ALTER TABLE attempts DROP COLUMN identity;
     ALTER TABLE attempts DROP COLUMN trusted; ALTER TABLE attempts DROP COLUMN final; ALTER TABLE jobs DROP COLUMN trusted_only;`,
  );
  db.close();

  store = new SqliteJobStore(dir, { ...DEFAULT_TEST_LIMITS, maxAttempts: 2 });
  expect(await store.release(lease!, 'expired', 'late', T0 + 1_000)).toMatchObject({ applied: true, job: { status: 'queued' } });
  const [again] = await store.lease([worker], 1_000, T0 + 2_000);
  // The old attempt counts as a trusted one: with the new trusted one, two failed attempts, the limit.
  expect(await store.release(again!, 'expired', 'late', T0 + 3_000)).toMatchObject({ applied: true, job: { status: 'failed' } });
  expect((await store.getDetail(id))!.timeline.map((a) => [a.workerId, a.workerClass])).toEqual([
    [null, 'trusted'],
    ['w', 'trusted'],
  ]);
  await store.close();
});

/** A database with one job in it, then taken back to what an older master left by `sql`; answers its folder and the job. */
async function olderDatabase(sql: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const [old] = (await store.create(newJobs(1), T0)).jobs;
  await store.close();
  const db = new Database(path.join(dir, 'jobs.sqlite'));
  db.exec(sql);
  db.close();
  return { dir, old: old! };
}

it('opens a database written before owners: its jobs have none, and new jobs are listed by owner', async () => {
  // As an older master left it: jobs without an owner column or its indexes.
  const { dir, old } = await olderDatabase(`DROP INDEX jobs_by_owner; DROP INDEX jobs_by_owner_status; ALTER TABLE jobs DROP COLUMN owner;`);
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect(await store.get(old.id)).toMatchObject({ id: old.id, owner: null });
  const [mine] = (await store.create(newJobs(1), T0 + 1, 'key-1', 'anon-me')).jobs;
  expect((await store.list({ owner: 'anon-me', limit: 10 })).jobs.map((job) => job.id)).toEqual([mine!.id]);
  expect((await store.list({ limit: 10 })).jobs.map((job) => job.id)).toEqual([mine!.id, old.id]);
  await store.close();
});

it('opens a database written before jobs showed their votes: a waiting job counts the votes it already holds', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const { id } = (await store.create(newJobs(1), T0)).jobs[0]!;
  const volunteer = { ...worker, identity: 'v', workerClass: 'volunteer' as const };
  const [lease] = await store.lease([volunteer], 1_000, T0);
  await store.vote(lease!, 'w', { predictions: [{ index: 3, label: 'c', probability: 0.9 }], model: 'm', backend: 'b', inferenceMs: 1 }, false, T0 + 1);
  await store.close();

  // As an older master left it: no votes column on its jobs.
  const db = new Database(path.join(dir, 'jobs.sqlite'));
  db.exec(`ALTER TABLE jobs DROP COLUMN votes`);
  db.close();

  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect(await store.get(id)).toMatchObject({ status: 'queued', votes: 1 });
  await store.close();
});

it("opens a database written before jobs named their holder's class: a lease held then names none, the next its class", async () => {
  // As an older master left it, with a job leased: no lease_trusted column on its jobs.
  const { dir, old } = await olderDatabase(`ALTER TABLE jobs DROP COLUMN lease_trusted; UPDATE jobs SET status = 'leased', lease_id = 'old-lease'`);
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect(await store.get(old.id)).toMatchObject({ status: 'leased', holderClass: null });
  await store.create(newJobs(1), T0 + 1);
  expect((await store.lease([worker], 1_000, T0 + 2))[0]!.job.holderClass).toBe('trusted');
  await store.close();
});

const imageFiles = (dir: string) => fs.readdirSync(path.join(dir, 'images')).sort();

/** A job as an upload brings it now: its original and the prepared image workers receive. */
const preparedJobs = (count: number) => newJobs(count).map((job, i) => ({ ...job, prepared: { bytes: Buffer.from([i, 9, 9]), contentType: 'image/webp' } }));

it('opens a database written before images were prepared: its jobs are leased with their originals, new ones with their prepared images', async () => {
  // As an older master left it: no prepared_type column, one image file per job.
  const { dir, old } = await olderDatabase(`ALTER TABLE jobs DROP COLUMN prepared_type`);
  expect(imageFiles(dir)).toEqual([old.id]);

  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const [fresh] = (await store.create(preparedJobs(1), T0 + 1)).jobs;
  const leases = await store.lease([worker, { ...worker, id: 'w2', identity: 'w2' }], 1_000, T0 + 2);
  expect(leases.map((lease) => [lease!.jobId, lease!.contentType, Buffer.from(lease!.image!).toString('hex')])).toEqual([
    [old.id, 'image/jpeg', '010203'],
    [fresh!.id, 'image/webp', '000909'],
  ]);
  expect((await store.image(fresh!.id))!.bytes).toEqual(Buffer.from([1, 2, 3]));
  await store.close();
});

it('moves the images of a database written before images were files out of it, once, at open', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const ids = (await store.create(newJobs(3), T0)).jobs.map((job) => job.id);
  await store.close();

  // As an older master left it: every image a BLOB in the images table (one of them a job's that is gone), no image files.
  const bytesOf = (i: number) => Buffer.from(Array.from({ length: 5_000 + i }, (_, j) => (i * 31 + j) % 256));
  const db = new Database(path.join(dir, 'jobs.sqlite'));
  db.exec(`CREATE TABLE images (job_id TEXT PRIMARY KEY, bytes BLOB NOT NULL)`);
  const insert = db.prepare(`INSERT INTO images (job_id, bytes) VALUES (?, ?)`);
  [...ids, 'a-job-removed-long-ago'].forEach((id, i) => insert.run(id, bytesOf(i)));
  db.close();
  fs.rmSync(path.join(dir, 'images'), { recursive: true });

  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect(imageFiles(dir)).toEqual([...ids].sort());
  for (const [i, id] of ids.entries()) expect((await store.image(id))!.bytes).toEqual(bytesOf(i));
  const [lease] = await store.lease([worker], 1_000, T0);
  expect(Buffer.from(lease!.image!)).toEqual(bytesOf(0));
  await store.close();
  const after = new Database(path.join(dir, 'jobs.sqlite'));
  expect(after.prepare(`SELECT name FROM sqlite_master WHERE name = 'images'`).get()).toBeUndefined();
  after.close();

  // Opened again, the images stay where they are.
  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect((await store.image(ids[2]!))!.bytes).toEqual(bytesOf(2));
  await store.close();
});

it('keeps a prepared image beside its original: neither for a refused create or a replay, both gone with their job, none without a row after a crash', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, { ...DEFAULT_TEST_LIMITS, maxPendingJobs: 3 });
  const first = (await store.create(preparedJobs(2), T0, 'key')).jobs.map((job) => job.id);
  const both = (ids: string[]) => ids.flatMap((id) => [id, `${id}.prepared`]).sort();
  expect(imageFiles(dir)).toEqual(both(first));
  expect((await store.create(preparedJobs(2), T0, 'key')).replayed).toBe(true);
  await expect(store.create(preparedJobs(1), T0, 'key')).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  await expect(store.create(preparedJobs(2), T0)).rejects.toBeInstanceOf(QueueFullError);
  expect(imageFiles(dir)).toEqual(both(first));

  await store.remove(first[0]!);
  expect(imageFiles(dir)).toEqual(both([first[1]!]));
  await store.clear();
  expect(imageFiles(dir)).toEqual([]);

  const kept = (await store.create(preparedJobs(1), T0)).jobs[0]!.id;
  await store.close();
  fs.writeFileSync(path.join(dir, 'images', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6.prepared'), 'orphan');
  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect(imageFiles(dir)).toEqual(both([kept]));
  await store.close();
});

it('keeps one image file per job: none for a refused create or a replay, none left by remove and clear, none without a row after a crash', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, { ...DEFAULT_TEST_LIMITS, maxPendingJobs: 3 });
  const first = (await store.create(newJobs(2), T0, 'key')).jobs.map((job) => job.id);
  expect((await store.create(newJobs(2), T0, 'key')).replayed).toBe(true);
  await expect(store.create(newJobs(1), T0, 'key')).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  await expect(store.create(newJobs(2), T0)).rejects.toBeInstanceOf(QueueFullError);
  expect(imageFiles(dir)).toEqual([...first].sort());

  await store.remove(first[0]!);
  expect(imageFiles(dir)).toEqual([first[1]]);
  await store.create(newJobs(1), T0);
  await store.clear();
  expect(imageFiles(dir)).toEqual([]);

  // A crash between putting an image and committing its job leaves a file without a row: swept at the next open.
  const kept = (await store.create(newJobs(1), T0)).jobs[0]!.id;
  await store.close();
  fs.writeFileSync(path.join(dir, 'images', 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6'), 'orphan');
  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect(imageFiles(dir)).toEqual([kept]);
  await store.close();
});

it('opens a database written before retention: its ended jobs are found through the new indexes and expire like new ones', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const ids = (await store.create(newJobs(3), T0)).jobs.map((job) => job.id);
  const [first, second] = await store.lease([worker, worker], 1_000, T0);
  await store.complete(first!, 'w', { predictions: [], model: 'm', backend: 'b', inferenceMs: 1 }, T0 + 10);
  await store.fail(second!, 'w', 'bad', false, T0 + 20);
  await store.close();

  // As an older master left it: no column saying when an image expired, no indexes on the end time.
  const db = new Database(path.join(dir, 'jobs.sqlite'));
  db.exec(`DROP INDEX jobs_by_end; DROP INDEX jobs_images_by_end; ALTER TABLE jobs DROP COLUMN image_expired_at;`);
  db.close();

  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect((await store.get(ids[0]!))!.imageExpiredAt).toBeNull();
  expect((await store.expireImages(T0 + 20, T0 + 30, 10)).map((job) => job.id)).toEqual([ids[0], ids[1]]);
  expect(imageFiles(dir)).toEqual([ids[2]]);
  expect(await store.expireJobs(T0 + 20, 10)).toEqual([ids[0], ids[1]]);
  expect((await store.list({ limit: 10 })).jobs.map((job) => job.id)).toEqual([ids[2]]);
  await store.close();

  // Each retention read walks its index from the oldest end (no sort, no table scan): O(batch) however many jobs are kept.
  const after = new Database(path.join(dir, 'jobs.sqlite'));
  const plan = (sql: string) => (after.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(0, 1) as { detail: string }[]).map((row) => row.detail);
  expect(plan(DUE_SQL.images)).toEqual([expect.stringMatching(/^SEARCH jobs USING INDEX jobs_images_by_end \(finished_at[^)]*\)$/)]);
  expect(plan(DUE_SQL.jobs)).toEqual([expect.stringMatching(/^SEARCH jobs USING INDEX jobs_by_end \(finished_at[^)]*\)$/)]);
  after.close();
});

it('walks a backtracking step through the identity’s attempts index, looking each job up by id: O(step), not a read of every done job', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  await new SqliteJobStore(dir, DEFAULT_TEST_LIMITS).close();
  const db = new Database(path.join(dir, 'jobs.sqlite'));
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${ANSWERED_BY_SQL}`).all({ identity: 'i', after: '', limit: 1 }) as { detail: string }[];
  db.close();
  expect(plan.map((row) => row.detail)).toEqual([
    'CO-ROUTINE answered',
    expect.stringMatching(/^SEARCH attempts USING INDEX attempts_by_identity \(identity=\? AND job_id>\?\)$/),
    'SCAN answered',
    expect.stringMatching(/^SEARCH jobs USING INDEX \w+ \(id=\?\) LEFT-JOIN$/),
  ]);
});

it('marks the jobs over MAX_ANSWERS_PER_JOB a volunteer lease passed over reading only the open queue before the job leased', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  await new SqliteJobStore(dir, DEFAULT_TEST_LIMITS).close();
  const db = new Database(path.join(dir, 'jobs.sqlite'));
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${MARK_ANSWERS_FULL}`).all({ before: 1, scan: 1, maxAnswers: 1 }) as { detail: string }[];
  db.close();
  // A range up to the job leased, not a scan of the index: with fewer than LEASE_SCAN_LIMIT jobs before it (the head
  // of the queue taken, always), a scan read every open job to the end, on every volunteer's lease.
  expect(plan.map((row) => row.detail)).toContain('SEARCH jobs USING INDEX jobs_open_queue (seq<?)');
});

it('deletes at the next open an image file left by a crash between expiring it and deleting the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  let store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const ids = (await store.create(newJobs(2), T0)).jobs.map((job) => job.id);
  await store.complete((await store.lease([worker], 1_000, T0))[0]!, 'w', { predictions: [], model: 'm', backend: 'b', inferenceMs: 1 }, T0 + 10);
  const kept = fs.readFileSync(path.join(dir, 'images', ids[0]!));
  await store.expireImages(T0 + 10, T0 + 20, 10);
  await store.close();
  // As a crash after the commit and before the file was deleted leaves it.
  fs.writeFileSync(path.join(dir, 'images', ids[0]!), kept);

  store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  expect(imageFiles(dir)).toEqual([ids[1]]);
  expect(await store.image(ids[0]!)).toBeNull();
  expect((await store.get(ids[0]!))!.imageExpiredAt).toBe(new Date(T0 + 20).toISOString());
  await store.close();
});

it('puts back at once, as lost, the leases of a call that could not read an image, and throws its error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const ids = (await store.create(newJobs(2), T0)).jobs.map((job) => job.id);
  const ioError = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
  const read = vi.spyOn(FileImageStore.prototype, 'get');
  read.mockRejectedValueOnce(ioError);
  await expect(store.lease([worker, { ...worker, id: 'w2' }], 1_000, T0)).rejects.toBe(ioError);
  read.mockRestore();
  // Not left leased to workers that never got them, to expire after the lease as their failed attempts.
  for (const id of ids) {
    const job = (await store.getDetail(id))!;
    expect(job.status).toBe('queued');
    expect(job.timeline.map((attempt) => [attempt.outcome, attempt.reason])).toEqual([
      ['lost', 'the master could not hand the job out (EIO: i/o error, read)'],
    ]);
  }
  expect((await store.lease([worker], 1_000, T0 + 1))[0]?.jobId).toBe(ids[0]);
  await store.close();
});

it('undoes every write of a batch SQLite rolled back whole, running none after it on its own', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  await store.create(newJobs(1), T0);
  // As SQLite does on an I/O error: the whole transaction undone under the write that met it.
  const ioError = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
  const failing = store['commits'].write(() => {
    store['db'].exec('ROLLBACK');
    throw ioError;
  });
  // Asked for in the same tick: the same batch, after the failing write.
  const leasing = store.lease([worker], 1_000, T0);
  await expect(failing).rejects.toBe(ioError);
  await expect(leasing).rejects.toBe(ioError);
  expect(await store.counts()).toEqual({ queued: 1, leased: 0, done: 0, failed: 0 });
  expect(await store.lease([worker], 1_000, T0)).toHaveLength(1);
  await store.close();
});

it('refuses a write asked for while it closes (an upload still being checked), and runs none on the closed file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-sqlite-'));
  dirs.push(dir);
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    // The create puts its image first, then asks for its write: by then the store is closing.
    const creating = store.create(newJobs(1), T0);
    await store.close();
    await expect(creating).rejects.toBeInstanceOf(StoreUnavailableError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(uncaught).toEqual([]);
    expect(imageFiles(dir)).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
});
