// The worker page in real headless Chromium classifies many images, prepared ones and originals (which it
// resizes itself), and leaves no tensor behind: each job's allocations are freed, not left to pile up.
import fs from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFleetToken } from '../../headless-worker/headless-worker.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { launchBrowser } from '../support/browser.ts';
import { settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../support/test-master.ts';

let master: TestMaster;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  master = await startTestMaster();
  browser = await launchBrowser('chromium');
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

describe('the worker page over many images', () => {
  it('holds as many tensors after 200 jobs as before them', async () => {
    // A first few jobs, so anything allocated once for good (by the backend, on first use) is there before counting.
    await settled(master.url, await submit(master.url, uploadsFrom(devImages(4).map((image) => image.path))), 60_000);
    await until(async () => (await jobsDone()) === 4, 'the page to count the first jobs');
    const before = await tensors();
    expect(before).toBeGreaterThan(0); // the model's weights

    const images = devImages(100);
    // Prepared by the master as uploads are (224 × 224), and as originals (a job stored before images were prepared).
    const prepared = await submit(master.url, uploadsFrom(images.map((image) => image.path)));
    const originals = (await master.lifecycle.submit(images.map((image) => newJob(image.file, 'image/jpeg', fs.readFileSync(image.path))))).jobs.map(
      (job) => job.id,
    );
    const jobs = await settled(master.url, [...prepared, ...originals], 180_000);
    expect(jobs.every((job) => job.status === 'done')).toBe(true);
    await until(async () => (await jobsDone()) === 204, 'the page to count them all');
    expect(await tensors()).toBe(before);
  });
});
