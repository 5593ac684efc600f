// The counters a volunteer could time spot checks by (master/http/check-counters.ts), against a real master with a
// gold folder and an honest volunteer: on a private board /api/stats, /metrics and /api/health answer the admin only, and
// /api/workers and the workers-changed events show each worker's credibility and spot checks passed to the admin
// only (null to the rest); on a public board, where checks are not blind anyway, everyone sees them as before. What a
// volunteer sees of itself moves alike for a check and a job.
import { describe, expect, it } from 'vitest';
import { classify, submitColours, useColourGold } from '../../test/support/colour-gold.ts';
import { newOwner, until } from '../../test/support/jobs-client.ts';
import { SseClient } from '../../test/support/sse-client.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { TestMaster } from '../../test/support/test-master.ts';
import type { WorkerView } from '../api-types.ts';
import type { StatsView } from '../stats-api-types.ts';

const ADMIN_TOKEN = 'admin-token-of-the-check-counter-tests';
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const JOBS = 12;
const BOARDS = ['private', 'public'] as const;
type Party = 'nobody' | 'owner' | 'admin';

const colourGold = useColourGold();
const grid = useTestMasters();

const changedWorkers = (stream: SseClient) => stream.framesNamed('workers-changed').flatMap((frame) => (frame.data as { changed: WorkerView[] }).changed);
const seesCounters = (board: (typeof BOARDS)[number], party: Party) => board === 'public' || party === 'admin';

/**
 * A master on `board` whose honest volunteer answered every job and every check it was given, each party's event
 * stream open throughout: a stranger with no credentials, an owner (a volunteer may submit too) and the admin.
 */
async function checkedGrid(board: (typeof BOARDS)[number]) {
  const m: TestMaster = await grid.start('sqlite', { goldDir: colourGold.dir(), goldFraction: 0.5, board, adminToken: ADMIN_TOKEN });
  const readers: Record<Party, Record<string, string>> = { nobody: {}, owner: await newOwner(m.url), admin };
  const streams = {} as Record<Party, SseClient>;
  for (const party of Object.keys(readers) as Party[]) streams[party] = await SseClient.open(m.url, { headers: readers[party] });
  const ids = await submitColours(m.url, JOBS);
  const worker = await grid.connect(m, {
    name: 'honest',
    credit: 2,
    onJob: (job, self) => void classify(job).then((index) => self.succeed(job.header, index)),
  });
  const adminStats = async () => (await fetch(`${m.url}/api/stats`, { headers: admin }).then((r) => r.json())) as StatsView;
  await until(async () => {
    const stats = await adminStats();
    return stats.jobs.done === JOBS && stats.dispatch.spotChecks.passed === worker.jobs.length - ids.length;
  }, 'every job done and every check judged');
  const passed = (await adminStats()).dispatch.spotChecks.passed;
  // At GOLD_FRACTION 0.5 over 12 jobs, no spot check at all would be a 1 in 4096 event.
  expect(passed).toBeGreaterThan(0);
  return { m, readers, streams, passed };
}

describe('the spot-check counters', () => {
  it('/api/stats and /metrics answer only the admin on a private board (401 admin-token-required), everyone on a public one', async () => {
    for (const board of BOARDS) {
      const { m, readers, passed } = await checkedGrid(board);
      for (const party of Object.keys(readers) as Party[]) {
        const stats = await fetch(`${m.url}/api/stats`, { headers: readers[party] });
        const metrics = await fetch(`${m.url}/metrics`, { headers: readers[party] });
        if (seesCounters(board, party)) {
          expect([stats.status, metrics.status]).toEqual([200, 200]);
          expect(((await stats.json()) as StatsView).dispatch.spotChecks.passed).toBe(passed);
          expect(await metrics.text()).toContain('browser_grid_spot_checks_total');
        } else {
          for (const refused of [stats, metrics]) {
            expect(refused.status).toBe(401);
            expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('admin-token-required');
          }
        }
      }
    }
  });

  it('/api/health, whose leased count moves for a job and not for a check, answers only the admin on a private board', async () => {
    for (const board of BOARDS) {
      const { m, readers } = await checkedGrid(board);
      for (const party of Object.keys(readers) as Party[]) {
        const health = await fetch(`${m.url}/api/health`, { headers: readers[party] });
        if (seesCounters(board, party)) expect(await health.json()).toMatchObject({ ok: true, jobs: { done: JOBS } });
        else {
          expect(health.status).toBe(401);
          expect(((await health.json()) as { error: { code: string } }).error.code).toBe('admin-token-required');
        }
      }
    }
  });

  it("/api/workers shows a worker's credibility and checks passed only to the admin on a private board, to everyone on a public one", async () => {
    for (const board of BOARDS) {
      const { m, readers, passed } = await checkedGrid(board);
      for (const party of Object.keys(readers) as Party[]) {
        const { workers } = (await fetch(`${m.url}/api/workers`, { headers: readers[party] }).then((r) => r.json())) as { workers: WorkerView[] };
        if (seesCounters(board, party)) {
          expect(workers).toMatchObject([{ workerClass: 'volunteer', spotChecksPassed: passed }]);
          expect(workers[0]!.credibility).toBeGreaterThan(0);
        } else {
          expect(workers).toMatchObject([{ workerClass: 'volunteer', credibility: null, spotChecksPassed: null }]);
        }
      }
    }
  });

  it('workers-changed events carry credibility and checks passed only to the admin on a private board, to everyone on a public one', async () => {
    for (const board of BOARDS) {
      const { streams, passed } = await checkedGrid(board);
      await until(() => changedWorkers(streams.admin).at(-1)?.spotChecksPassed === passed, "the last check on the admin's stream");
      // Every stream carries the same worker changes, in order.
      const count = changedWorkers(streams.admin).length;
      for (const party of ['nobody', 'owner'] as const)
        await until(() => changedWorkers(streams[party]).length === count, `the same worker changes on ${party}'s stream`);
      for (const party of Object.keys(streams) as Party[]) {
        const changes = changedWorkers(streams[party]);
        if (seesCounters(board, party)) expect(changes.at(-1)).toMatchObject({ spotChecksPassed: passed, credibility: expect.any(Number) });
        else for (const change of changes) expect(change).toMatchObject({ credibility: null, spotChecksPassed: null });
        streams[party].close();
      }
    }
  });
});

describe('what a volunteer sees of itself', () => {
  it('counts a frame it failed among its jobsFailed whether it was a job or a spot check', async () => {
    const m = await grid.start('sqlite', { goldDir: colourGold.dir(), goldFraction: 0.5, board: 'private', adminToken: ADMIN_TOKEN });
    await submitColours(m.url, JOBS);
    const worker = await grid.connect(m, { name: 'failing', credit: 2, onJob: (job, self) => self.fail(job.header, 'cannot decode', false) });
    const adminStats = async () => (await fetch(`${m.url}/api/stats`, { headers: admin }).then((r) => r.json())) as StatsView;
    // One volunteer's word does not fail a job: each goes back to the queue, no longer open to it, so once it failed
    // every job it is dealt nothing more, checks included.
    await until(async () => {
      const { jobs, workers, dispatch } = await adminStats();
      return jobs.queued === JOBS && workers[0]?.inFlight === 0 && worker.jobs.length === JOBS + dispatch.spotChecks.given;
    }, 'every job failed once by it, and nothing held');
    const { given } = (await adminStats()).dispatch.spotChecks;
    // At GOLD_FRACTION 0.5 over 12 jobs, no spot check at all would be a 1 in 4096 event.
    expect(given).toBeGreaterThan(0);
    const { workers } = (await fetch(`${m.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    expect(workers).toMatchObject([{ jobsFailed: JOBS + given, jobsDone: 0 }]);
  });
});
