// A deal leases its jobs only once its spot checks are made: a job deleted while a check was being encoded (tens of
// milliseconds on demand) was still pushed to its volunteer, after the deletion had looked for a holder to revoke and
// found none, so a stranger's job was computed after its owner deleted it and its "leased" event came after
// "cancelled". And a deal whose leasing fails takes back the checks it made. A real store and real sessions; the gold
// draw is held by the test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { JobDealing } from '../lifecycle/job-dealing.ts';
import type { JobEvent } from '../lifecycle/job-events.ts';
import { createLogger } from '../log.ts';
import { SqliteJobStore } from '../store/sqlite-job-store.ts';
import type { GoldDraw } from '../trust/gold-set.ts';
import { SpotChecks } from '../trust/spot-checks.ts';
import type { Verifier } from '../trust/verification.ts';
import { newJobs } from '../../test/support/store-fixtures.ts';
import { DEFAULT_TEST_LIMITS } from '../../test/support/stores.ts';
import { newSession } from '../../test/support/worker-sessions.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deal-then-delete-'));
const store = new SqliteJobStore(dir, DEFAULT_TEST_LIMITS);
afterAll(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A dealing whose gold draws wait for `drawHeld`, and whose first slot is drawn for a check, the second not. */
function dealing(jobStore: SqliteJobStore, drawHeld: Promise<void>, drawAsked: () => void) {
  const gold = {
    async next(): Promise<GoldDraw> {
      drawAsked();
      await drawHeld;
      return { contentType: 'image/webp', bytes: Buffer.alloc(8), answer: 1 };
    },
  };
  const draws = [0, 1];
  const spotChecks = new SpotChecks(gold, { proven: 0.5, unproven: 0.5 }, { recordSpotCheck: () => Promise.reject(new Error('not used')) }, () =>
    draws.shift()!,
  );
  const events: JobEvent[] = [];
  const jobDealing = new JobDealing({
    store: jobStore,
    log: createLogger('silent'),
    leaseMs: 60_000,
    verifier: { settlesAlone: () => false } as unknown as Verifier,
    spotChecks,
    applied: (event) => events.push(event),
    lose: () => Promise.reject(new Error('no worker left')),
  });
  return { jobDealing, spotChecks, events };
}

it('never pushes a job deleted while its deal made a spot check', async () => {
  const [job] = (await store.create(newJobs(1), Date.now())).jobs;
  let drawAsked!: () => void;
  const asked = new Promise<void>((resolve) => (drawAsked = resolve));
  let letDrawGo!: () => void;
  const { jobDealing, events } = dealing(store, new Promise<void>((resolve) => (letDrawGo = resolve)), drawAsked);
  const [checked, dealtJob] = [newSession('checked'), newSession('dealt-job')];

  const served = jobDealing.lease([checked, dealtJob]);
  await asked;
  // The owner deletes the job meanwhile; no session holds a lease of it to revoke.
  expect((await store.remove(job!.id)).removed).toBe(true);
  letDrawGo();

  expect((await served).map((session) => session.id)).toEqual(['checked']);
  expect(dealtJob.leases).toEqual([]);
  expect(events).toEqual([]);
  expect(checked.leases).toHaveLength(1);
});

it('takes back the spot checks of a deal whose leasing failed', async () => {
  await store.create(newJobs(1), Date.now());
  const failing = Object.create(store) as SqliteJobStore;
  failing.lease = () => Promise.reject(new Error('the store is down'));
  const { jobDealing, spotChecks } = dealing(failing, Promise.resolve(), () => undefined);

  await expect(jobDealing.lease([newSession('checked'), newSession('dealt-job')])).rejects.toThrow('the store is down');
  expect(spotChecks.counts.given).toBe(0);
});
