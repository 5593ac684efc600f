// The whole app with real parts: a master with the real model, one headless worker from the
// fleet, and a person's Chromium using the pages. Images go in through the submit page, come
// out labelled on the board and the job page; then every page is photographed at desktop and
// phone width and checked for console errors, failed or foreign requests and axe violations.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import {
  axeViolations,
  clickDeep,
  deepTexts,
  inApp,
  launchTestBrowser,
  openPage,
  settleForScreenshot,
  VIEWPORTS,
  waitForElement,
  waitForTexts,
  type PageWatch,
  type ViewportName,
} from '../support/browser.ts';
import type { JobPage } from '../../master/api-types.ts';
import { getJob, settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { devImages, projectRoot } from '../support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../support/test-master.ts';
import { newJob } from '../../metrics/uploaded-files.ts';

const SCREENSHOTS = path.join(projectRoot, 'test-artifacts/screenshots');
const images = devImages(3);

let master: TestMaster;
let fleet: Fleet;
let browser: Browser;
let page: Page;
let watch: PageWatch;
let firstJobId = '';

beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  master = await startTestMaster();
  // The operator's fleet, trusted: its word that an image cannot be decoded fails the job at once.
  fleet = startFleet({ masterUrl: master.url, workers: 1, namePrefix: 'ui-e2e', fleetToken: TEST_FLEET_TOKEN, logger: createLogger('error') });
  browser = await launchTestBrowser();
  await fleet.waitUntilReady(90_000);
  ({ page, watch } = await openPage(browser, master.url, '/submit'));
});

afterAll(async () => {
  await browser?.close();
  await fleet?.stop();
  await master?.close();
});

const isPercent = /\d+\.\d%/g;

describe('the web app end to end', () => {
  it('uploads three images through the submit page and shows their labels as they arrive', async () => {
    const input = await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(...images.map((image) => image.path));
    const items = await waitForTexts(
      page,
      inApp('upload-item'),
      (texts) => texts.length === 3 && texts.every((text) => text.includes(' done ') && (text.match(isPercent) ?? []).length === 3),
      'three labelled results',
      90_000,
    );
    for (const [i, image] of images.entries()) expect(items[i]).toContain(image.file);
    await waitForTexts(page, inApp('submit-page', '.counts'), (texts) => texts[0] === '3 of 3 images uploaded · 3 finished', 'the totals');
  });

  it('shows them done on the board, with top-3 labels, queue and inference times', async () => {
    await clickDeep(page, 'app-shell >>> nav a[href="/"]');
    const rows = await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 3 && texts.every((text) => text.includes(' done ')), 'three done rows');
    for (const row of rows) {
      expect(row.match(isPercent)).toHaveLength(3);
      // formatMs writes "830 ms" or "1.2 s": a loaded machine may queue a job past a second.
      expect(row).toMatch(/Queue (\d+ ms|\d+\.\d s)/);
      expect(row).toMatch(/Inference (\d+ ms|\d+\.\d s)/);
      expect(row).toContain('wasm on ui-e2e-1');
    }
  });

  it("opens a job's page with the image, the top 5 and the timeline of attempts", async () => {
    await clickDeep(page, inApp('job-row', 'a.name'));
    await page.waitForFunction(() => location.pathname.startsWith('/jobs/'));
    firstJobId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    const job = await getJob(master.url, firstJobId);
    await waitForTexts(page, inApp('job-detail', 'h1'), (texts) => texts[0] === job.fileName, 'the job page');
    const labels = (await deepTexts(page, inApp('job-detail', 'confidence-bars')))[0]!;
    expect(labels.match(isPercent)).toHaveLength(5);
    expect(labels).toContain(job.result!.predictions[4]!.label.split(',')[0]);
    const timeline = (await deepTexts(page, inApp('attempt-timeline')))[0]!;
    expect(timeline).toMatch(/^Attempt 1 ui-e2e-1 · wasm done \d/);
    // The image loads after the render that shows the heading.
    const imageWidth = () => page.$eval(inApp('job-detail', 'figure img'), (img) => (img as HTMLImageElement).naturalWidth);
    await until(async () => (await imageWidth()) > 0, 'the image to load');
    expect(watch.take()).toEqual([]);
  });

  it("retries the browser's own failed job from the board, and its page shows the attempt and the reason", async () => {
    // JPEG magic and then garbage: the master refuses it at upload, so it goes in through the lifecycle (as a
    // job stored before that check would be), to see every browser fail to decode it. It belongs to the owner
    // whose key the submit page's uploads left in this browser's cookie, so the board may retry it.
    const cookie = (await browser.cookies()).find((candidate) => candidate.name === 'grid_owner')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });
    const owner = cookie.value.slice(0, cookie.value.lastIndexOf('.'));
    // The three uploads went side by side, all as the one owner the page claimed first.
    const uploaded = (await fetch(`${master.url}/api/jobs`).then((r) => r.json())) as JobPage;
    expect(uploaded.jobs.map((job) => job.owner)).toEqual([owner, owner, owner]);
    const corrupt = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Array(200).fill(7)]);
    const [id] = (await master.lifecycle.submit([newJob('broken.jpg', 'image/jpeg', corrupt)], undefined, owner)).jobs.map((job) => job.id);
    const [failed] = await settled(master.url, [id!], 30_000);
    await page.goto(`${master.url}/`, { waitUntil: 'domcontentloaded' });
    await waitForTexts(page, inApp('job-row'), (texts) => texts.some((text) => text.includes('broken.jpg failed')), 'the failed row');
    await clickDeep(page, inApp('job-row', 'button[aria-label="Retry broken.jpg"]'));
    await waitForTexts(page, inApp('job-board', '.notice'), (texts) => texts[0] === 'broken.jpg is queued again.', 'the notice');
    // A retry starts the job afresh (the master keeps the new attempts only): a new lease, failing again.
    await until(async () => {
      const job = await getJob(master.url, id!);
      return job.status === 'failed' && job.startedAt !== failed!.startedAt;
    }, 'the retry to fail again');

    await page.goto(`${master.url}/jobs/${id}`, { waitUntil: 'domcontentloaded' });
    const timeline = (await waitForTexts(page, inApp('attempt-timeline'), (texts) => texts.length === 1, 'the timeline'))[0]!;
    expect(timeline).toMatch(/^Attempt 1 ui-e2e-1 · wasm failed .*cannot decode the image/);
    expect((await deepTexts(page, inApp('job-detail', '.failure')))[0]).toMatch(/cannot decode the image/);
    expect(watch.take()).toEqual([]);
  });

  describe.each(Object.keys(VIEWPORTS) as ViewportName[])('every page at %s width', (viewport) => {
    it('has no console errors, failed or foreign requests, or serious accessibility problems', async () => {
      const pages: Array<[string, string, (page: Page) => Promise<unknown>]> = [
        ['board', '/', (p) => waitForTexts(p, inApp('job-row'), (texts) => texts.length >= 4, 'the jobs')],
        ['job', `/jobs/${firstJobId}`, (p) => waitForTexts(p, inApp('attempt-timeline'), (texts) => texts.length === 1, 'the job')],
        ['submit', '/submit', (p) => uploadOne(p)],
        ['worker', `/worker?name=ui-shot-${viewport}`, (p) => startWorker(p)],
        ['stats', '/stats', (p) => waitForElement(p, inApp('stats-page', 'uplot-chart', 'canvas'))],
        // Every worker here is a worker page with its own volunteer id, so the jobs done above are on the board.
        ['volunteers', '/volunteers', (p) => waitForTexts(p, inApp('volunteers-page', 'td.name'), (texts) => texts.length >= 1, 'the leaderboard')],
      ];
      for (const [name, pathname, ready] of pages) {
        const opened = await openPage(browser, master.url, pathname, viewport);
        await ready(opened.page).catch((error: Error) => {
          throw new Error(`${name} at ${viewport} not ready: ${error.message}; page problems: ${JSON.stringify(opened.watch.take())}`);
        });
        await settleForScreenshot(opened.page);
        // The board's list is virtual (rows exist near the viewport only): shoot what a person sees.
        await opened.page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${viewport}.png`), fullPage: name !== 'board' });
        expect(await axeViolations(opened.page), `${name} at ${viewport}`).toEqual([]);
        // Nothing wider than the screen (a phone must never scroll sideways).
        expect(await opened.page.evaluate(() => document.documentElement.scrollWidth), `${name} width`).toBeLessThanOrEqual(VIEWPORTS[viewport].width);
        if (name === 'worker') await stopWorker(opened.page);
        expect(opened.watch.take(), `${name} at ${viewport}`).toEqual([]);
        await opened.page.close();
      }
    });
  });
});

/** The submit page with one image uploaded and labelled, as people see it after a drop. */
async function uploadOne(p: Page) {
  const input = await waitForElement(p, inApp('submit-page', 'drop-zone', 'input[type=file]'));
  await (input as ElementHandle<HTMLInputElement>).uploadFile(devImages(4)[3]!.path);
  await waitForTexts(p, inApp('upload-item'), (texts) => texts.length === 1 && texts[0]!.includes(' done '), 'the result', 60_000);
}

async function startWorker(p: Page) {
  await clickDeep(p, inApp('worker-page', '.control button'));
  await waitForTexts(p, inApp('worker-page', '.state'), (texts) => texts[0] === 'Working: classifying images as they come', 'the worker', 90_000);
  // Give the chart something to draw: a few images for this tab's worker and the fleet to share.
  const ids = await submit(
    master.url,
    uploadsFrom(
      devImages(12)
        .slice(4)
        .map((image) => image.path),
    ),
  );
  await settled(master.url, ids, 60_000);
}

async function stopWorker(p: Page) {
  await clickDeep(p, inApp('worker-page', '.control button'));
  await waitForTexts(p, inApp('worker-page', '.state'), (texts) => texts[0] === 'Stopped', 'the stop');
}
