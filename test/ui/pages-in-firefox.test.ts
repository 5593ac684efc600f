// Every page of the app in real Firefox (puppeteer over WebDriver BiDi) against a real master, with the
// checks the Chromium tests end with: no console errors or uncaught exceptions, no failed or foreign
// requests. First it shows that the watch does see each of those in Firefox, so a clean page means something.
import type { ElementHandle } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { inApp, waitForElement, waitForTexts } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { smallImage, threeImages, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ browser: 'firefox' });
let worker: SyntheticWorker;
let doneJobId = '';

beforeAll(async () => {
  // Something on every page: jobs done and credited to a named volunteer, and a worker online.
  worker = await SyntheticWorker.connect({
    masterUrl: ui.master.url,
    name: 'firefox-pages',
    credit: 2,
    hello: { browser: 'firefox', displayName: 'Ada' }, // a volunteer: credited under the identity the master issues it
    holdClaimedTime: true, // credited what it claims: it held each job that long
    onJob: (job, self) => self.succeed(job.header, 1, 20),
  });
  const ids = await submit(ui.master.url, uploadsFrom(threeImages.map((image) => image.path)));
  await settled(ui.master.url, ids, 30_000);
  doneJobId = ids[0]!;
});

afterAll(() => {
  worker?.terminate();
});

const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('the app in Firefox', () => {
  it('reports console errors, uncaught exceptions, HTTP errors, failed and foreign requests', async () => {
    const { page, watch } = await ui.open('/');
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 3, 'the jobs');
    const elsewhere = `${ui.master.url.replace('127.0.0.1', 'localhost')}/elsewhere`;
    const missing = `${ui.master.url}/api/jobs/no-such-job`;
    // Nothing listens there (127.0.0.1 is the master's own origin only on its own port).
    const unreachable = `http://127.0.0.1:${await freePort()}/unreachable`;
    await page.evaluate(
      (missing, elsewhere, unreachable) => {
        console.error('a console error');
        setTimeout(() => {
          throw new Error('an uncaught exception');
        });
        void fetch(missing);
        void fetch(elsewhere).catch(() => undefined);
        void fetch(unreachable).catch(() => undefined);
      },
      missing,
      elsewhere,
      unreachable,
    );
    const expected = [
      /^console error: a console error/,
      /^page error: .*an uncaught exception/,
      new RegExp(`^HTTP 404: GET ${missing}$`),
      // The CSP (connect-src 'self') stops both before they leave; either way the watch names the URL.
      new RegExp(`^(request to another host: ${quote(elsewhere)}$|page error: Content-Security-Policy: .* at ${quote(elsewhere)} )`),
      new RegExp(`^(request failed: GET ${quote(unreachable)}|page error: Content-Security-Policy: .* at ${quote(unreachable)} )`),
    ];
    const seen: string[] = [];
    const end = Date.now() + 10_000;
    while (!expected.every((pattern) => seen.some((problem) => pattern.test(problem))) && Date.now() < end) {
      seen.push(...watch.take());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const pattern of expected) expect(seen, String(pattern)).toContainEqual(expect.stringMatching(pattern));
  });

  // Each test opens one page; the harness fails it on anything the page logged, failed or fetched from elsewhere.
  it('shows the board', async () => {
    const { page } = await ui.open('/');
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 3 && texts.every((text) => text.includes(' done ')), 'three done rows');
  });

  it("shows a job's page with its image and labels", async () => {
    const { page } = await ui.open(`/jobs/${doneJobId}`);
    await waitForTexts(page, inApp('attempt-timeline'), (texts) => texts[0]?.startsWith('Attempt 1 firefox-pages') ?? false, 'the timeline');
    const imageWidth = () => page.$eval(inApp('job-detail', 'figure img'), (img) => (img as HTMLImageElement).naturalWidth).catch(() => 0);
    await until(async () => (await imageWidth()) > 0, 'the image to load');
  });

  it('uploads an image on the submit page', async () => {
    const { page } = await ui.open('/submit');
    const input = await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(smallImage.path);
    await waitForTexts(page, inApp('upload-item'), (texts) => texts.length === 1 && texts[0]!.includes(' done '), 'the result', 30_000);
  });

  it('draws the statistics', async () => {
    const { page } = await ui.open('/stats');
    await waitForElement(page, inApp('stats-page', 'uplot-chart', 'canvas'));
    await waitForTexts(page, inApp('workers-table', 'tbody tr'), (texts) => texts.some((text) => text.startsWith('firefox-pages')), 'the worker');
  });

  it('shows the leaderboard with the volunteer and the Firefox total, and keeps it live', async () => {
    const { page } = await ui.open('/volunteers');
    const ada = inApp('volunteers-page', 'tbody tr');
    const [before] = await waitForTexts(page, ada, (texts) => texts[0]?.startsWith('1 Ada ') ?? false, 'Ada on the leaderboard');
    await waitForTexts(
      page,
      inApp('volunteers-page', 'section[aria-labelledby=by-browser]'),
      (texts) => texts[0]?.includes('firefox') ?? false,
      'the Firefox total',
    );
    const images = (row: string) => Number(row.split(' ')[2]);
    await settled(ui.master.url, await submit(ui.master.url, uploadsFrom([smallImage.path])), 30_000);
    await waitForTexts(page, ada, (texts) => images(texts[0] ?? '') === images(before!) + 1, 'one more image, without a reload', 15_000);
  });

  it('offers the donate page, stopped until asked', async () => {
    const { page } = await ui.open('/worker?name=firefox-pages-tab');
    await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === 'Stopped', 'the stopped worker');
    await waitForElement(page, inApp('worker-page', 'donor-controls', 'input[name=cpu-share]'));
  });
});
