// The whole path with real parts: the master, headless Chromium workers from
// the fleet running the built worker page, MobileNet v2 from ../shared/models,
// and real ILSVRC2012 validation images.
//
// One fleet serves the steps in order, because a browser with the model warm is
// the expensive part: restart → accuracy → a browser killed mid-work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import type { JobDetailView } from '../../master/api-types.ts';
import { freePort } from '../support/free-port.ts';
import { settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../support/test-master.ts';

const dataDir = tempDataDir();
let port: number;
let master: TestMaster;
let fleet: Fleet | null = null;

/** Every job done, each with exactly one accepted attempt. */
function expectDoneExactlyOnce(jobs: JobDetailView[]) {
  for (const job of jobs) {
    expect(job.status, `${job.fileName}: ${job.error}`).toBe('done');
    expect(job.timeline.filter((attempt) => attempt.outcome === 'done')).toHaveLength(1);
    expect(job.timeline).toHaveLength(job.attempts);
  }
}

beforeAll(async () => {
  port = await freePort();
});

afterAll(async () => {
  await fleet?.stop();
  await master?.close();
});

describe('browser workers end to end', () => {
  it('keeps jobs submitted before a restart and completes them once a worker connects', async () => {
    const first = await startTestMaster({ dataDir, port });
    const ids = await submit(first.url, uploadsFrom(devImages(4).map((image) => image.path)));
    await first.close();

    master = await startTestMaster({ dataDir, port });
    fleet = startFleet({ masterUrl: master.url, workers: 2, namePrefix: 'e2e', logger: createLogger('error') });
    await fleet.waitUntilReady(90_000);
    expectDoneExactlyOnce(await settled(master.url, ids, 60_000));
  });

  it('labels the first 40 dev images correctly (top-1 ≥ 60%) in the browsers', async () => {
    const images = devImages(40);
    const ids = await submit(master.url, uploadsFrom(images.map((image) => image.path)));
    const jobs = await settled(master.url, ids, 120_000);
    expectDoneExactlyOnce(jobs);

    const model = (await fetch(`${master.url}/api/model`).then((r) => r.json())) as { hash: string };
    const correct = jobs.filter((job, i) => job.result!.predictions[0]!.index === images[i]!.index).length;
    for (const job of jobs) {
      expect(job.result!.model).toBe(model.hash);
      expect(job.result!.backend).toBe('wasm');
      expect(job.result!.predictions).toHaveLength(5);
      expect(job.worker).toMatch(/^e2e-\d$/);
    }
    expect(correct / images.length).toBeGreaterThanOrEqual(0.6);
    const workers = (await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: { name: string; jobsDone: number }[] };
    expect(workers.workers.map((worker) => worker.name).sort()).toEqual(['e2e-1', 'e2e-2']);
  });

  it('fails an image the browser cannot decode at once, with a readable reason, and keeps going', async () => {
    const [good] = uploadsFrom([devImages(1)[0]!.path]);
    // A JPEG cut short: its header passes the master's check, the browser cannot decode it.
    const truncated = { name: 'truncated.jpg', bytes: good!.bytes.subarray(0, 600) };
    const [broken, fine] = await submit(master.url, [truncated, good!]);
    const [brokenJob, fineJob] = await settled(master.url, [broken!, fine!], 60_000);
    expect(brokenJob).toMatchObject({ status: 'failed', attempts: 1 });
    expect(brokenJob!.error).toMatch(/decode/i);
    expect(fineJob!.status).toBe('done');
  });

  it('completes every job exactly once when a browser is killed while holding jobs', async () => {
    const victim = fleet!.workers[0]!;
    const ids = await submit(master.url, uploadsFrom(devImages(60).slice(20).map((image) => image.path)));
    await until(async () => {
      const { workers } = (await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: { name: string; inFlight: number }[] };
      return (workers.find((worker) => worker.name === victim.name)?.inFlight ?? 0) > 0;
    }, `${victim.name} to hold jobs`);
    const lostBefore = master.dispatcher.counters.reassigned.lost;
    victim.kill();

    const jobs = await settled(master.url, ids, 120_000);
    expectDoneExactlyOnce(jobs);
    expect(master.dispatcher.counters.reassigned.lost).toBeGreaterThan(lostBefore);
    expect(jobs.some((job) => job.timeline.some((attempt) => attempt.outcome === 'lost'))).toBe(true);
    await until(() => victim.status().restarts >= 1, 'the fleet to relaunch the killed browser');
  });
});
