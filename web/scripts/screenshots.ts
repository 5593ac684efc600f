// Takes the README's screenshots from the real app: a master with the real model, one headless
// worker, real images, and a Chromium at 1280×800 using the pages as a person would.
//
//   npm run build && npx tsx web/scripts/screenshots.ts [output folder, default docs/screenshots]
import fs from 'node:fs';
import path from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { startFleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import { inApp, launchTestBrowser, openPage, settleForScreenshot, waitForElement, waitForTexts, type OpenedPage } from '../../test/support/browser.ts';
import { settled, submit, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages, projectRoot } from '../../test/support/paths.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { startTestMaster, TEST_FLEET_TOKEN } from '../../test/support/test-master.ts';

const outDir = path.resolve(process.argv[2] ?? path.join(projectRoot, 'docs/screenshots'));
const WORKING = 'Working: classifying images as they come';

if (!fs.existsSync(path.join(projectRoot, 'web/dist/index.html'))) {
  console.error('The web app is not built: run "npm run build" first.');
  process.exit(1);
}
fs.mkdirSync(outDir, { recursive: true });

const images = devImages(40);
const master = await startTestMaster();
const fleet = startFleet({ masterUrl: master.url, workers: 1, namePrefix: 'fleet', fleetToken: TEST_FLEET_TOKEN, logger: createLogger('warn') });
const browser = await launchTestBrowser();
try {
  await fleet.waitUntilReady(90_000);

  // Some history for the board and the stats charts: batches a few seconds apart, and one
  // image no browser can decode, so the board shows a failure and its Retry button too. The
  // master refuses such an upload, so it goes in through the lifecycle, as a job stored before
  // that check would be.
  const corrupt = newJob('broken-upload.jpg', 'image/jpeg', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Array(200).fill(7)]));
  for (let batch = 0; batch < 5; batch++) {
    const uploads = uploadsFrom(images.slice(batch * 4, batch * 4 + 4).map((image) => image.path));
    const ids = await submit(master.url, uploads);
    if (batch === 2) ids.push(...(await master.lifecycle.submit([corrupt])).jobs.map((job) => job.id));
    await settled(master.url, ids, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }

  await capture('board', '/', (page) => waitForTexts(page, inApp('job-row'), (texts) => texts.length >= 5, 'the jobs'));
  await capture('submit', '/submit', async (page) => {
    const input = await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(...images.slice(20, 24).map((image) => image.path));
    await waitForTexts(page, inApp('upload-item'), (texts) => texts.length === 4 && texts.every((text) => text.includes(' done ')), 'the results', 60_000);
  });
  await capture('stats', '/stats', (page) => waitForElement(page, inApp('stats-page', 'uplot-chart', 'canvas')));

  // The fleet steps aside so that this tab's worker gets the jobs and draws its chart.
  await fleet.stop();
  const worker = await capture(
    'worker',
    '/worker?name=volunteer-tab',
    async (page) => {
      await (await waitForElement(page, inApp('worker-page', '.control button')))!.click();
      await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === WORKING, 'the worker', 90_000);
      await settled(master.url, await submit(master.url, uploadsFrom(images.slice(24).map((image) => image.path))), 120_000);
      // The volunteer opts in to a name, and the credit card shows the master's count.
      await (await waitForElement(page, inApp('worker-page', 'volunteer-credit', 'input[name=display-name]')))!.type('Ada L.');
      await (await waitForElement(page, inApp('worker-page', 'volunteer-credit', 'button[type=submit]')))!.click();
      await waitForTexts(page, inApp('worker-page', 'volunteer-credit', '.totals'), (texts) => texts.length === 1, 'the credit', 30_000);
    },
    { keepOpen: true },
  );
  await (await waitForElement(worker.page, inApp('worker-page', '.control button')))!.click();
  await waitForTexts(worker.page, inApp('worker-page', '.state'), (texts) => texts[0] === 'Stopped', 'the stop');
  await capture('volunteers', '/volunteers', (page) =>
    waitForTexts(page, inApp('volunteers-page', 'td.name'), (texts) => texts.includes('Ada L.'), 'the leaderboard'),
  );
  console.log(`screenshots written to ${outDir}`);
} finally {
  await browser.close();
  await fleet.stop();
  await master.close();
}

/** Opens a page at desktop size, makes it ready, and saves it as <name>.png; fails on any page problem. */
async function capture(name: string, pathname: string, ready: (page: Page) => Promise<unknown>, { keepOpen = false } = {}): Promise<OpenedPage> {
  const opened = await openPage(browser, master.url, pathname, 'desktop');
  await ready(opened.page);
  await settleForScreenshot(opened.page);
  // Typing into a field below the fold scrolls the page, and a full-page shot taken scrolled draws the sticky header mid-page.
  await opened.page.evaluate(() => window.scrollTo(0, 0));
  const file = path.join(outDir, `${name}.png`);
  // The board's list is virtual: rows exist only near the viewport, so a full-page shot would be half blank.
  await opened.page.screenshot({ path: file, fullPage: name !== 'board' });
  const problems = opened.watch.take();
  if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
  console.log(`${name}: ${file}`);
  if (!keepOpen) await opened.page.close();
  return opened;
}
