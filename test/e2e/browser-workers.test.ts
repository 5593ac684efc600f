// The whole path with real parts: the master, headless Chromium and Firefox
// workers from the fleet running the built worker page, MobileNet v2 from
// ../shared/models, and real ILSVRC2012 validation images.
//
// The fleets serve the steps in order, because a browser with the model warm is
// the expensive part: restart → accuracy in Chromium → the same labels from a
// mixed Chromium + Firefox fleet → a bad image → the Firefox browser killed mid-work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import type { JobDetailView, JobView } from '../../master/api-types.ts';
import { freePort } from '../support/free-port.ts';
import { settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, tempDataDir, type TestMaster } from '../support/test-master.ts';
import { newJob } from '../../metrics/uploaded-files.ts';

const dataDir = tempDataDir();
let port: number;
let master: TestMaster;
let fleet: Fleet | null = null;
let firefox: Fleet | null = null;

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
  await firefox?.stop();
  await fleet?.stop();
  await master?.close();
});

const top1 = (job: JobDetailView) => job.result!.predictions[0]!.index;
const workerNames = async () =>
  ((await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: { name: string }[] }).workers.map((worker) => worker.name).sort();

describe('browser workers end to end', () => {
  it('keeps jobs submitted before a restart and completes them once a worker connects', async () => {
    const first = await startTestMaster({ dataDir, port });
    const ids = await submit(first.url, uploadsFrom(devImages(4).map((image) => image.path)));
    await first.close();

    master = await startTestMaster({ dataDir, port });
    // The operator's fleet: trusted, so its word that an image cannot be decoded is final.
    fleet = startFleet({ masterUrl: master.url, workers: 2, namePrefix: 'e2e', fleetToken: TEST_FLEET_TOKEN, logger: createLogger('error') });
    await fleet.waitUntilReady(90_000);
    expectDoneExactlyOnce(await settled(master.url, ids, 60_000));
  });

  let chromiumOnly: JobDetailView[];

  it('labels the first 40 dev images correctly (top-1 ≥ 60%) in Chromium', async () => {
    const images = devImages(40);
    const ids = await submit(master.url, uploadsFrom(images.map((image) => image.path)));
    const jobs = await settled(master.url, ids, 120_000);
    expectDoneExactlyOnce(jobs);
    chromiumOnly = jobs;

    const model = (await fetch(`${master.url}/api/model`).then((r) => r.json())) as { hash: string };
    const correct = jobs.filter((job, i) => job.result!.predictions[0]!.index === images[i]!.index).length;
    for (const job of jobs) {
      expect(job.result!.model).toBe(model.hash);
      expect(HONEST_BACKENDS).toContain(job.result!.backend);
      expect(job.result!.predictions).toHaveLength(5);
      expectStagesAddUp(job);
      expect(job.worker).toMatch(/^e2e-\d$/);
      expect(job.result!.workerClass).toBe('trusted');
    }
    expect(correct / images.length).toBeGreaterThanOrEqual(0.6);
    expect(await workerNames()).toEqual(['e2e-1', 'e2e-2']);
  });

  it('gives the same labels with a Firefox worker beside the Chromium ones, each job done once', async () => {
    firefox = startFleet({
      masterUrl: master.url,
      browser: 'firefox',
      workers: 1,
      namePrefix: 'e2e-firefox',
      fleetToken: TEST_FLEET_TOKEN,
      logger: createLogger('error'),
    });
    await firefox.waitUntilReady(90_000);
    expect(await workerNames()).toEqual(['e2e-1', 'e2e-2', 'e2e-firefox-1']);

    const ids = await submit(master.url, uploadsFrom(devImages(40).map((image) => image.path)));
    const jobs = await settled(master.url, ids, 120_000);
    expectDoneExactlyOnce(jobs);
    const byFirefox = jobs.filter((job) => job.worker === 'e2e-firefox-1');
    expect(byFirefox.length).toBeGreaterThan(0);
    expect(jobs.filter((job) => /^e2e-\d$/.test(job.worker ?? '')).length).toBeGreaterThan(0);
    for (const job of byFirefox) {
      expect(HONEST_BACKENDS).toContain(job.result!.backend);
      expectStagesAddUp(job);
    }
    expect(jobs.map(top1)).toEqual(chromiumOnly.map(top1));
    console.log(`mixed fleet: ${byFirefox.length} of ${jobs.length} images labelled by Firefox, top-1 identical to the Chromium-only run`);
  });

  it('fails an image the browser cannot decode at once, with a readable reason, and keeps going', async () => {
    const [good] = uploadsFrom([devImages(1)[0]!.path]);
    // A JPEG cut short: the master refuses it at upload, so it goes in through the lifecycle (as a job stored
    // before that check would be), to see the browser fail to decode it.
    const truncated = newJob('truncated.jpg', 'image/jpeg', good!.bytes.subarray(0, 600));
    const [broken] = (await master.lifecycle.submit([truncated])).jobs.map((job) => job.id);
    const [fine] = await submit(master.url, [good!]);
    const [brokenJob, fineJob] = await settled(master.url, [broken!, fine!], 60_000);
    expect(brokenJob).toMatchObject({ status: 'failed', attempts: 1 });
    expect(brokenJob!.error).toMatch(/decode/i);
    expect(fineJob!.status).toBe('done');
  });

  it('completes every job exactly once when the Firefox browser is killed while holding jobs', async () => {
    const victim = firefox!.workers[0]!;
    // Ready, so it takes its share of the jobs as they come (on a loaded machine the other tests' work may have
    // left its page reconnecting for a while).
    await until(() => victim.status().state === 'ready', `${victim.name} to be ready`, 60_000);
    const images = uploadsFrom(
      devImages(60)
        .slice(20)
        .map((image) => image.path),
    );
    const ids: string[] = [];
    // Jobs keep coming while it holds none: on a loaded machine the Chromium workers may finish a batch before the
    // slower Firefox page (or one reconnecting for a moment) is dealt any of it. It is killed while jobs are still
    // queued too: each it finishes is then followed by another, so it still holds some when the kill lands (with the
    // queue empty, it could answer its last between this look and the kill, and lose nothing).
    await until(
      async () => {
        const { workers } = (await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: { name: string; inFlight: number }[] };
        const { queued } = await master.store.counts();
        if ((workers.find((worker) => worker.name === victim.name)?.inFlight ?? 0) > 0 && queued > 0) return true;
        if (queued === 0) ids.push(...(await submit(master.url, images)));
        return false;
      },
      `${victim.name} to hold jobs`,
      120_000,
    );
    const lostBefore = master.lifecycle.counters.transitions.lost;
    victim.kill();

    const jobs = await settled(master.url, ids, 120_000);
    expectDoneExactlyOnce(jobs);
    expect(master.lifecycle.counters.transitions.lost).toBeGreaterThan(lostBefore);
    const lost = jobs.flatMap((job) => job.timeline).filter((attempt) => attempt.outcome === 'lost');
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.every((attempt) => attempt.workerName === victim.name)).toBe(true);
    await until(() => victim.status().restarts >= 1, 'the fleet to relaunch the killed browser');
  });
});

/** Whatever the machine offers the pages: WASM here, WebGL or WebGPU on a GPU. */
const HONEST_BACKENDS = ['wasm', 'webgl', 'webgpu'];

/** The page measured where its time went, and the stages it ran the image through add up to its inference time. */
function expectStagesAddUp(job: JobView): void {
  const stages = job.result!.stages!;
  expect(Object.values(stages).every((ms) => ms >= 0)).toBe(true);
  expect(stages.decode + stages.preprocess + stages.predict + stages.readback).toBeCloseTo(job.result!.inferenceMs, 1);
}
