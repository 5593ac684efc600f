// The worker page in real headless Chromium classifies 1,000 images, prepared ones and originals (which it
// resizes itself), and leaves no tensor behind: each job's allocations are freed, not left to pile up.
import fs from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFleetToken } from '../../headless-worker/headless-worker.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { launchTestBrowser } from '../support/browser.ts';
import { settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../support/test-master.ts';

let master: TestMaster;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  master = await startTestMaster();
  browser = await launchTestBrowser('chromium');
  page = await browser.newPage();
  // The fleet's page: trusted, so each job is classified once and done.
  await page.goto(withFleetToken(`${master.url}/worker?autostart=1&kind=headless&name=memory`, TEST_FLEET_TOKEN), { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.__gridWorker?.state === 'ready', { timeout: 90_000 });
});

afterAll(async () => {
  await browser?.close();
  await master?.close();
});

const jobsDone = async () => await page.evaluate(() => window.__gridWorker!.jobsDone);
const tensors = () => page.evaluate(() => window.__gridTensors!());

/** Prepared jobs: the dev images submitted this many times over (the page keeps nothing from one job to the next). */
const PREPARED_ROUNDS = 4;

describe('the worker page over many images', () => {
  it('holds as many tensors after 1,000 jobs as before them', { timeout: 600_000 }, async () => {
    // A first few jobs, so anything allocated once for good (by the backend, on first use) is there before counting.
    await settled(master.url, await submit(master.url, uploadsFrom(devImages(4).map((image) => image.path))), 60_000);
    await until(async () => (await jobsDone()) === 4, 'the page to count the first jobs');
    const before = await tensors();
    expect(before).toBeGreaterThan(0); // the model's weights

    const images = devImages(200);
    // Prepared by the master as uploads are (224 × 224), and as originals (a job stored before images were prepared).
    const prepared: string[] = [];
    for (let round = 0; round < PREPARED_ROUNDS; round++) prepared.push(...(await submit(master.url, uploadsFrom(images.map((image) => image.path)))));
    const originals = (await master.lifecycle.submit(images.map((image) => newJob(image.file, 'image/jpeg', fs.readFileSync(image.path))))).jobs.map(
      (job) => job.id,
    );
    const total = 4 + prepared.length + originals.length;
    expect(total).toBe(1_004);
    const jobs = await settled(master.url, [...prepared, ...originals], 540_000);
    expect(jobs.every((job) => job.status === 'done')).toBe(true);
    await until(async () => (await jobsDone()) === total, 'the page to count them all');
    expect(await tensors()).toBe(before);
  });
});
