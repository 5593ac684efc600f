// The worker page in real headless Chromium against a real master, left working through rounds of jobs with the hostile
// cases mixed in: jobs the master cancels while the page holds them (one mid-inference, its decode held), a socket that
// goes while a job is in flight (every other round), and an image no browser can decode. A volunteer may leave the tab
// open for days, so nothing the page holds may grow with the jobs: what it holds after the second round (each case met
// once) it holds after the last. The JS heap is printed, not compared: V8's compiled code and Chromium's own bounded
// performance-timeline buffers still grow a little for a while.
import type { Browser, CDPSession, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFleetToken } from '../../headless-worker/headless-worker.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { launchTestBrowser } from '../support/browser.ts';
import { settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { instrumentPage, measurePage, type PageResources } from '../support/page-resources.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../support/test-master.ts';

const ADMIN_TOKEN = 'long-run-admin-token';
const ROUNDS = 8;
const GOOD_PER_ROUND = 20;
const CANCELLED_PER_ROUND = 3;
/** JPEG's first bytes, then nothing an image decoder can read. */
const UNDECODABLE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]);

let master: TestMaster;
let browser: Browser;
let page: Page;
let cdp: CDPSession;

beforeAll(async () => {
  master = await startTestMaster({ adminToken: ADMIN_TOKEN });
  browser = await launchTestBrowser('chromium');
  page = await browser.newPage();
  await instrumentPage(page);
  // The fleet's page: trusted, so each job is classified once, and one lost with a socket comes back to it.
  await page.goto(withFleetToken(`${master.url}/worker?autostart=1&kind=headless&name=long-run`, TEST_FLEET_TOKEN), { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.__gridWorker?.state === 'ready', { timeout: 90_000 });
  cdp = await page.createCDPSession();
});

afterAll(async () => {
  await browser?.close();
  await master?.close();
});

const images = devImages(200).slice(0, 100);
const imagesFor = (round: number, count: number) => Array.from({ length: count }, (_, i) => images[(round * count + i) % images.length]!.path);
const inPage = <T>(read: () => T) => page.evaluate(read);

/** One round: jobs cancelled while the page holds them, good jobs (the socket closed under them on odd rounds), an undecodable one. */
async function round(index: number): Promise<void> {
  const cancels = await inPage(() => window.__resources!.cancels());
  await inPage(() => window.__resources!.holdDecodes());
  const doomed = await submit(master.url, uploadsFrom(imagesFor(index, CANCELLED_PER_ROUND)));
  await until(async () => (await inPage(() => window.__resources!.heldDecodes())) > 0, 'a job held mid-inference');
  for (const id of doomed) await fetch(`${master.url}/api/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  await until(async () => (await inPage(() => window.__resources!.cancels())) > cancels, 'the cancel at the page');
  const good = await submit(master.url, uploadsFrom(imagesFor(index, GOOD_PER_ROUND)));
  if (index % 2 === 1) await inPage(() => window.__resources!.closeSocket());
  await inPage(() => window.__resources!.releaseDecodes());
  const bad = (await master.lifecycle.submit([newJob('broken.jpg', 'image/jpeg', UNDECODABLE)])).jobs.map((job) => job.id);
  await settled(master.url, [...good, ...bad], 120_000);
  await until(async () => (await inPage(() => window.__gridWorker!.state)) === 'ready', 'the page working again', 30_000);
}

/** The page's Done count on screen: once it shows the runtime's, the page has rendered the round. */
const shownDone = () =>
  inPage(() => {
    const worker = document.querySelector('app-shell')!.shadowRoot!.querySelector('worker-page')!.shadowRoot!;
    const done = [...worker.querySelectorAll('dt')].find((term) => term.textContent === 'Done')!.nextElementSibling!.textContent!;
    return Number(done.replace(/\D/g, ''));
  });

async function measured(): Promise<PageResources> {
  const done = await inPage(() => window.__gridWorker!.jobsDone);
  await until(async () => (await shownDone()) === done, 'the page to render the round');
  return measurePage(page, cdp);
}

describe('the worker page left working', () => {
  it('holds no more after many rounds of jobs, hostile ones among them, than after the second', { timeout: 300_000 }, async () => {
    await round(0);
    await round(1);
    const early = await measured();
    for (let index = 2; index < ROUNDS; index++) await round(index);
    const late = await measured();
    console.log(`worker page after round 2 and after round ${ROUNDS}:`, JSON.stringify({ early, late }));

    expect(await inPage(() => window.__gridWorker!.jobsDone)).toBeGreaterThanOrEqual(ROUNDS * GOOD_PER_ROUND);
    expect(late.tensors).toBe(early.tensors);
    expect(late.wasmBytes).toEqual(early.wasmBytes);
    expect(late.openBitmaps).toBe(0);
    expect(late.jsEventListeners).toBe(early.jsEventListeners);
    expect(late.nodes).toBe(early.nodes);
    expect(late.documents).toBe(early.documents);
    // A handful at any time: the socket's silence timer, the credit poll, a render or two waiting their turn.
    expect(late.timers).toBeLessThanOrEqual(8);
  });
});
