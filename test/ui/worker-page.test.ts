// "Donate compute" in real Chromium and real Firefox against a real master: start, work, pause
// while hidden, stop, and a second visit that starts from the cached model.
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_NAMES } from '../../headless-worker/browsers.ts';
import type { OwnStandingView, WorkerView } from '../../master/api-types.ts';
import { axeViolations, clickDeep, deepTexts, inApp, launchTestBrowser, openPage, waitForTexts, type PageWatch } from '../support/browser.ts';
import { settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { replaceText } from '../support/ui-harness.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, type TestMaster } from '../support/test-master.ts';

let master: TestMaster;

beforeAll(async () => {
  master = await startTestMaster();
});

afterAll(async () => {
  await master?.close();
});

describe.each(BROWSER_NAMES)('donate compute page in %s', (browserName) => {
  const NAME = `ui-volunteer-${browserName}`;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    browser = await launchTestBrowser(browserName);
    ({ page, watch } = await openPage(browser, master.url, `/worker?name=${NAME}`));
  });

  afterAll(async () => {
    await browser?.close();
  });

  const state = async () => (await deepTexts(page, inApp('worker-page', '.state')))[0] ?? '';
  const waitForState = (text: string, timeoutMs = 30_000) =>
    waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === text, `"${text}"`, timeoutMs);
  const card = async (heading: string) => (await deepTexts(page, inApp('worker-page', '.cards section'))).find((text) => text.startsWith(heading)) ?? '';
  const thisWorker = async () => {
    const { workers } = (await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    return workers.find((worker) => worker.name === NAME);
  };

  /** What the browser does when the tab goes to the background, which a headless tab never does by itself. */
  const setVisibility = (visibility: 'hidden' | 'visible') =>
    page.evaluate((visibility) => {
      Object.defineProperty(document, 'visibilityState', { value: visibility, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, visibility);

  it('starts stopped, with one clear control and no accessibility problems', async () => {
    await waitForState('Stopped');
    expect((await deepTexts(page, inApp('worker-page', '.tally')))[0]).toBe('You have classified 0 images here.');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('loads the model, picks a backend and says why, then classifies jobs', async () => {
    await clickDeep(page, inApp('worker-page', '.control button'));
    await waitForState('Working: classifying images as they come', 90_000);
    // Whatever honest backend this machine has: the card names the one the page reports.
    const { backend } = (await page.evaluate(() => window.__gridWorker))!;
    expect(['wasm', 'webgl', 'webgpu']).toContain(backend);
    expect(await card('Backend')).toContain(backend);
    expect(await card('Model')).toContain('Downloaded, and cached for next time');

    const ids = await submit(master.url, uploadsFrom(devImages(4).map((image) => image.path)));
    await settled(master.url, ids, 60_000);
    await waitForTexts(page, inApp('worker-page', '.tally'), (texts) => texts[0] === 'You have classified 4 images here, 4 this visit.', 'the tally');
    expect(await page.$$(inApp('worker-page', 'spark-line', 'polyline'))).toHaveLength(1);
    expect(await card('Speed')).toMatch(/[\d.]+ m?s per image/);
    // The fleet reads these names; they must stay as they are.
    const status = await page.evaluate(() => window.__gridWorker);
    expect(Object.keys(status!).sort()).toEqual([
      'backend',
      'backendReason',
      'busyMs',
      'jobsDone',
      'jobsFailed',
      'lastError',
      'modelHash',
      'msPerImage',
      'refused',
      'state',
      'workerClass',
      'workerId',
      'workingMs',
    ]);
    expect(status).toMatchObject({ state: 'ready', jobsDone: 4, backend, workerClass: 'volunteer', refused: null });
    // A lone volunteer's answer waits for agreement: the page says so rather than leave it wondering.
    expect(await card('Work')).toContain('Volunteer: your answers count once you have passed a spot check, and a job is done when enough such answers agree');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('takes no new jobs while the tab is hidden, if asked to, and resumes when it shows again', async () => {
    await clickDeep(page, inApp('worker-page', '.option input'));
    await setVisibility('hidden');
    await waitForState('Paused while this tab is hidden');
    await until(async () => (await thisWorker())?.credit === 0, 'credit 0 at the master');

    const [id] = await submit(master.url, uploadsFrom([devImages(5)[4]!.path]));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await fetch(`${master.url}/api/jobs/${id}`).then((r) => r.json())).status).toBe('queued');

    await setVisibility('visible');
    await waitForState('Working: classifying images as they come');
    await settled(master.url, [id!], 30_000);
    await clickDeep(page, inApp('worker-page', '.option input')); // back to the default for the next visit
  });

  it('asks the master for its credit only while the tab is seen, and at once when it shows again', async () => {
    const asked: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (new URL(request.url()).pathname === '/api/volunteers/me') asked.push(request.url());
    };
    page.on('request', onRequest);
    try {
      await setVisibility('hidden');
      // A request already on its way when the tab went is no question asked while hidden.
      await new Promise((resolve) => setTimeout(resolve, 500));
      asked.length = 0;
      await new Promise((resolve) => setTimeout(resolve, 6_000)); // past the 5 s rhythm
      expect(asked).toEqual([]);
      await setVisibility('visible');
      await until(() => asked.length > 0, 'the credit asked for once the tab shows', 3_000);
    } finally {
      page.off('request', onRequest);
    }
  });

  /** Busy and working time the page accounted for while it classified `count` images. */
  async function effortFor(count: number) {
    const before = (await page.evaluate(() => window.__gridWorker))!;
    const ids = await submit(
      master.url,
      uploadsFrom(
        devImages(20)
          .slice(0, count)
          .map((image) => image.path),
      ),
    );
    await settled(master.url, ids, 90_000);
    await until(async () => (await page.evaluate(() => window.__gridWorker))!.jobsDone >= before.jobsDone + count, 'the page to count them');
    const after = (await page.evaluate(() => window.__gridWorker))!;
    return { busyMs: after.busyMs - before.busyMs, workingMs: after.workingMs - before.workingMs };
  }

  it('keeps its busy time near the CPU share the volunteer picks, by its own accounting', async () => {
    const cpuShare = (value: number) => clickDeep(page, inApp('worker-page', 'donor-controls', `input[name=cpu-share][value="${value}"]`));
    const full = await effortFor(10);
    await cpuShare(25);
    await until(async () => (await thisWorker())?.cpuShare === 25, 'the master to hear of the 25% share');
    const quarter = await effortFor(10);
    await cpuShare(100);
    const share = ({ busyMs, workingMs }: { busyMs: number; workingMs: number }) => busyMs / workingMs;
    console.log(`${browserName}: busy ${(100 * share(full)).toFixed(0)}% of working time at 100%, ${(100 * share(quarter)).toFixed(0)}% at 25%`);
    expect(share(quarter)).toBeLessThan(0.35);
    expect(share(quarter)).toBeGreaterThan(0.15);
    expect(share(full)).toBeGreaterThan(2 * share(quarter));
    expect((await deepTexts(page, inApp('worker-page', 'donor-controls', '.busy-share')))[0]).toMatch(/^\d+%$/);
  });

  it('says what it downloaded, and that it reads nothing from the device', async () => {
    const note = (await deepTexts(page, inApp('worker-page', 'donor-controls', 'section[aria-labelledby=cost]')))[0]!;
    expect(note).toMatch(/Downloaded so far [\d.]+ MB/);
    expect(note).toMatch(/Model size [\d.]+ MB/);
    expect(note).toContain('It reads nothing from your device');
  });

  it('credits the volunteer with exactly the images this page finished, and shows a chosen name as text', async () => {
    const identity = await page.evaluate(() => JSON.parse(localStorage.getItem('grid-worker-identity')!) as { workerId: string; token: string });
    const mine = async () => {
      const jobs = (await fetch(`${master.url}/api/jobs?status=done&limit=200`).then((r) => r.json())) as { jobs: { worker: string | null }[] };
      return jobs.jobs.filter((job) => job.worker === NAME).length;
    };
    const standing = async () =>
      (
        (await fetch(`${master.url}/api/volunteers/me`, { headers: { 'x-worker-id': identity.workerId, 'x-worker-token': identity.token } }).then((r) =>
          r.json(),
        )) as OwnStandingView
      ).standing;
    await until(async () => (await standing())?.images === (await mine()), 'the credit to match the jobs done');
    expect((await standing())!.images).toBeGreaterThanOrEqual(25);
    const done = await mine();
    await waitForTexts(
      page,
      inApp('worker-page', 'volunteer-credit', '.totals'),
      (texts) => texts[0]?.startsWith(`Verified images ${done} `) ?? false,
      'the credit card',
    );

    const name = `<img src=x onerror=pwn()><b>${browserName}</b>`;
    await replaceText(page, inApp('worker-page', 'volunteer-credit', 'input[name=display-name]'), name);
    await clickDeep(page, inApp('worker-page', 'volunteer-credit', 'button[type=submit]'));
    await until(async () => (await standing())?.displayName === name, 'the name at the master');

    const board = await openPage(browser, master.url, '/volunteers');
    const cells = await waitForTexts(board.page, inApp('volunteers-page', 'td.name'), (texts) => texts.includes(name), 'the name on the leaderboard');
    expect(cells).toContain(name);
    expect(await board.page.$$(inApp('volunteers-page', 'td.name b'))).toHaveLength(0);
    expect(await board.page.$$(inApp('volunteers-page', 'td.name img'))).toHaveLength(0);
    const byBrowser = (await deepTexts(board.page, inApp('volunteers-page', 'section[aria-labelledby=by-browser]')))[0]!;
    expect(byBrowser).toContain(browserName);
    expect(await axeViolations(board.page)).toEqual([]);
    expect(board.watch.take()).toEqual([]);
    await board.page.close();
  });

  it('stops after finishing what it holds', async () => {
    await clickDeep(page, inApp('worker-page', '.control button'));
    await waitForState('Stopped');
    await until(async () => (await thisWorker()) === undefined, 'the worker to leave the master');
  });

  // How fast the cached start is belongs to the benchmark; here: nothing of the model is downloaded again.
  it('starts on the next visit from the cached model, without downloading it again', async () => {
    const modelRequests: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (new URL(request.url()).pathname.startsWith('/models/')) modelRequests.push(request.url());
    };
    page.on('request', onRequest);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitForState('Stopped');
    expect((await deepTexts(page, inApp('worker-page', '.tally')))[0]).toBe('You have classified 25 images here.');
    await clickDeep(page, inApp('worker-page', '.control button'));
    await waitForState('Working: classifying images as they come', 60_000);
    const model = await card('Model');
    expect(model).toContain('From this browser’s cache');
    const startup = /Start-up (\d+) ms|Start-up ([\d.]+) s/.exec(model)!;
    const ms = startup[1] ? Number(startup[1]) : Number(startup[2]) * 1000;
    console.log(`second visit: from Start to working in ${ms} ms (${model})`);
    page.off('request', onRequest);
    expect(modelRequests).toEqual([]);
    expect(await state()).toBe('Working: classifying images as they come');
    expect(watch.take()).toEqual([]);
  });
});
