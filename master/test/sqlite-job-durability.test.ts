// What the embedded job store must have synced before it answers. Its transitions run with synchronous = NORMAL in WAL
// mode, so a commit reaches the log at once (a kill -9 loses none) but is synced to the disk only lazily (a power cut
// may lose the last ones): fine for what the master redoes by itself, not for what it acknowledges to a person or
// what another file's record counts on. A commit is synced before it resolves when it runs with synchronous = FULL
// (sqlite-group-commit.ts): each test reads the setting at the moment the store runs the transition's statement.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';
import { T0, TRUSTED_WORKERS, leaseOne, newJobs, reopenedBy, volunteerAnswer, volunteerRef } from '../../test/support/store-fixtures.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';

/** SQLite's PRAGMA synchronous: FULL syncs the log at each commit. */
const FULL = 2;

const opened: { store: SqliteJobStore; dir: string }[] = [];
afterEach(async () => {
  for (const { store, dir } of opened.splice(0)) {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function open(): SqliteJobStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'job-durability-'));
  const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
  opened.push({ store, dir });
  return store;
}

/** The synchronous setting each time the store runs its prepared statement `name` (sqlite-statements.ts). */
function synchronousAt(store: SqliteJobStore, name: string): number[] {
  const { db, q } = store as unknown as { db: Database.Database; q: Record<string, Database.Statement> };
  const statement = q[name]!;
  const run = statement.run.bind(statement);
  const seen: number[] = [];
  statement.run = (...args: unknown[]) => {
    seen.push(db.pragma('synchronous', { simple: true }) as number);
    return run(...args);
  };
  return seen;
}

it('syncs a retry before it answers, as a submission is: the client is told the job is queued again', async () => {
  const store = open();
  const { jobs } = await store.create(newJobs(1), T0);
  await store.fail(await leaseOne(store, TRUSTED_WORKERS[0]!), 'a', 'cannot decode', false, T0 + 1);
  const seen = synchronousAt(store, 'retry');
  expect(await store.retry(jobs[0]!.id, Date.now())).toMatchObject({ job: { status: 'queued' } });
  expect(seen).toEqual([FULL]);
});

it("syncs each step of a backtracking before it resolves: the identity store's record of it owed is cleared after", async () => {
  const store = open();
  const { jobs } = await store.create(newJobs(1), T0);
  const liar = volunteerRef('v1', 'liar');
  const lease = await leaseOne(store, liar);
  const replicas = [{ workerId: 'liar', workerClass: 'volunteer' as const, top1: 1, agreed: true }];
  await store.complete(lease, liar.id, { ...volunteerAnswer(1, 'liar'), verification: { state: 'verified', credibility: 0.99, replicas } }, T0 + 1);
  const seen = synchronousAt(store, 'reopen');
  expect(await reopenedBy(store, 'liar', 'liar blacklisted', 'unused: the image is kept')).toMatchObject({ reopened: [{ id: jobs[0]!.id, status: 'queued' }] });
  expect(seen).toEqual([FULL]);
});
