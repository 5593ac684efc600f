// Chaos: 300 real images, 3 headless workers (2 Chromium, 1 Firefox), and a random worker's
// browser killed with SIGKILL every 50 finished jobs while the queue drains (the
// fleet relaunches it). Every job must end done exactly once, with its attempts
// recorded, and with the same top-1 label a calm run gives the same image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import type { JobDetailView } from '../../master/api-types.ts';
import { settled, submit, uploadsFrom } from '../support/jobs-client.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, type TestMaster } from '../support/test-master.ts';

const JOBS = 300;
const KILL_EVERY_JOBS = 50;
// 300 jobs from the 200 dev images: the first 100 twice.
const images = Array.from({ length: JOBS }, (_, i) => devImages()[i % 200]!);
const uploads = uploadsFrom(images.map((image) => image.path));

let master: TestMaster;
let fleets: Fleet[] = [];

beforeAll(async () => {
  master = await startTestMaster();
  fleets = [
    startFleet({ masterUrl: master.url, workers: 2, namePrefix: 'chaos', logger: createLogger('error') }),
    startFleet({ masterUrl: master.url, browser: 'firefox', workers: 1, namePrefix: 'chaos-firefox', logger: createLogger('error') }),
  ];
  await Promise.all(fleets.map((fleet) => fleet.waitUntilReady(120_000)));
});

afterAll(async () => {
  await Promise.all(fleets.map((fleet) => fleet.stop()));
  await master?.close();
});

const top1 = (job: JobDetailView) => job.result!.predictions[0]!.index;

function expectDoneExactlyOnce(jobs: JobDetailView[]) {
  for (const job of jobs) {
    expect(job.status, `${job.fileName}: ${job.error}`).toBe('done');
    expect(job.timeline.filter((attempt) => attempt.outcome === 'done')).toHaveLength(1);
    expect(job.timeline).toHaveLength(job.attempts);
  }
}

describe('chaos: browsers killed while they work', () => {
  let calm: JobDetailView[];

  it('a calm run labels all 300 images', { timeout: 300_000 }, async () => {
    calm = await settled(master.url, await submit(master.url, uploads), 300_000);
    expectDoneExactlyOnce(calm);
  });

  it('loses none and finishes none twice when a random browser is killed every 50 jobs', { timeout: 300_000 }, async () => {
    // Counted from before the upload: workers finish jobs while later parts of it are still being stored.
    const lostBefore = master.lifecycle.counters.transitions.lost;
    const completedBefore = master.lifecycle.counters.transitions.completed;
    const ids = await submit(master.url, uploads);
    let kills = 0;
    const killed = new Set<string>();
    // Kills are paced by the work done, not by the clock, so a fast machine gets as many as a slow one: a random
    // running browser (one being relaunched has no pid yet) each time another KILL_EVERY_JOBS jobs are done. Even
    // the last one running may go: a queue with no worker for a while is part of the chaos.
    let nextKillAt = KILL_EVERY_JOBS;
    const killer = setInterval(() => {
      if (master.lifecycle.counters.transitions.completed - completedBefore < nextKillAt) return;
      const running = fleets.flatMap((fleet) => fleet.workers).filter((worker) => worker.pid !== undefined);
      if (running.length === 0) return;
      const victim = running[Math.floor(Math.random() * running.length)]!;
      victim.kill();
      killed.add(victim.name);
      kills += 1;
      nextKillAt += KILL_EVERY_JOBS;
    }, 100);
    let jobs: JobDetailView[];
    try {
      jobs = await settled(master.url, ids, 600_000);
    } finally {
      clearInterval(killer);
    }

    expectDoneExactlyOnce(jobs);
    const reassigned = master.lifecycle.counters.transitions.lost - lostBefore;
    const lostAttempts = jobs.flatMap((job) => job.timeline).filter((attempt) => attempt.outcome === 'lost').length;
    expect(kills).toBeGreaterThanOrEqual(2);
    // Both kinds of browser did part of the work.
    expect(jobs.some((job) => job.worker === 'chaos-firefox-1')).toBe(true);
    expect(jobs.some((job) => /^chaos-\d$/.test(job.worker ?? ''))).toBe(true);
    expect(reassigned).toBeGreaterThan(0);
    expect(lostAttempts).toBe(reassigned);
    // The same image gets the same label, however many browsers died on the way.
    expect(jobs.map(top1)).toEqual(calm.map(top1));
    const correct = jobs.filter((job, i) => top1(job) === images[i]!.index).length;
    console.log(
      `chaos: ${jobs.length} jobs, ${kills} browsers killed (${[...killed].sort().join(', ')}), ${reassigned} leases reassigned, ` +
        `duplicates 0, lost 0, top-1 ${((100 * correct) / jobs.length).toFixed(1)}%`,
    );
  });
});
