// The web app's pages in real Chromium against a real master with no workers: the board's live
// updates, filters, paging, actions and admin dialog; the submit page's per-file errors; the
// job page; the stats page against a stubbed /api/stats; and 10,000 jobs in the virtual list.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, ElementHandle, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, StatsView } from '../../master/api-types.ts';
import { axeViolations, clickDeep, deepTexts, inApp, launchBrowser, openPage, PageWatch, waitForTexts } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { submit, uploadsFrom } from '../support/jobs-client.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../support/test-master.ts';

const ADMIN_TOKEN = 'ui-test-admin-token';
/** Small enough that one of the dev images (209 kB) is refused with 413. */
const MAX_UPLOAD_BYTES = 180_000;

let master: TestMaster;
let browser: Browser;
let opened: { page: Page; watch: PageWatch } | null = null;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-ui-'));

beforeAll(async () => {
  master = await startTestMaster({ adminToken: ADMIN_TOKEN, maxUploadBytes: MAX_UPLOAD_BYTES });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await master?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Every test ends with a clean page: nothing logged, failed or fetched from elsewhere, unless expected. */
afterEach(async () => {
  if (!opened) return;
  const problems = opened.watch.take();
  await opened.page.close();
  opened = null;
  expect(problems).toEqual([]);
});

async function open(pathname: string, viewport: 'desktop' | 'phone' = 'desktop') {
  opened = await openPage(browser, master.url, pathname, viewport);
  return opened;
}

const smallImage = devImages().find((image) => image.file === 'ILSVRC2012_val_00000126.JPEG')!;
/** Three dev images within the upload limit. */
const threeImages = devImages()
  .filter((image) => fs.statSync(image.path).size <= MAX_UPLOAD_BYTES)
  .slice(0, 3);
const rows = (page: Page) => deepTexts(page, inApp('job-row'));

const TOKEN_INPUT = inApp('job-board', 'admin-dialog', 'input[name=token]');

async function replaceText(page: Page, selector: string, text: string) {
  await page.focus(selector);
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Control');
  await page.keyboard.type(text);
}

async function clearAllJobs() {
  const response = await fetch(`${master.url}/api/jobs`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(response.status).toBe(200);
}

describe('job board', () => {
  it('says there are no jobs yet, then shows new ones live, without a reload', async () => {
    await clearAllJobs();
    const { page } = await open('/');
    await waitForTexts(page, inApp('job-board'), (texts) => texts.some((text) => text.includes('No jobs yet.')), 'the empty board');
    expect(await axeViolations(page)).toEqual([]);

    await submit(master.url, uploadsFrom(threeImages.map((image) => image.path)));
    const shown = await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 3, 'three rows');
    expect(shown.every((text) => text.includes('queued') && text.includes('Waiting for a worker'))).toBe(true);
  });

  it('filters by status and searches the loaded jobs', async () => {
    const { page } = await open('/');
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 3, 'three rows');
    await clickDeep(page, inApp('job-board', 'label.filter:nth-of-type(4) input')); // "done"
    await waitForTexts(page, inApp('job-board', '.empty'), (texts) => texts.some((text) => text.includes('No done jobs among the loaded ones.')), 'no done jobs');

    await clickDeep(page, inApp('job-board', 'label.filter:nth-of-type(2) input')); // "queued"
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 3, 'the queued jobs');
    const wanted = threeImages[1]!.file;
    await page.type(inApp('job-board', 'input[type=search]'), wanted.slice(-11, -5));
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 1 && texts[0]!.includes(wanted), 'one match');
    await page.type(inApp('job-board', 'input[type=search]'), 'zebra');
    await waitForTexts(page, inApp('job-board', '.empty'), (texts) => texts.some((text) => text.includes('matches')), 'no match');
  });

  it('deletes a job after a confirming second click, asking for the admin token the master wants', async () => {
    const { page, watch } = await open('/');
    watch.expect((url, status) => status === 401 && /\/api\/jobs\/[^/]+$/.test(url));
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 3, 'three rows');
    const button = inApp('job-board', 'job-row', 'button.danger');
    await clickDeep(page, button);
    await waitForTexts(page, inApp('job-row', 'button.danger'), (texts) => texts[0] === 'Really delete?', 'the confirmation');
    await clickDeep(page, button);
    // This master has ADMIN_TOKEN set, so it refuses a delete without it: the dialog asks.
    await page.waitForSelector(TOKEN_INPUT, { visible: true });
    await replaceText(page, TOKEN_INPUT, ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 2, 'two rows');
    await waitForTexts(page, inApp('job-board', '.notice'), (texts) => texts.some((text) => text.startsWith('Deleted ')), 'the notice');
  });

  it("asks for the admin token to clear all, shows the master's refusal, then clears", async () => {
    const { page, watch } = await open('/');
    watch.expect((url, status) => status === 401 && url.endsWith('/api/jobs'));
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 2, 'two rows');
    await clickDeep(page, inApp('job-board', '.bar button.danger'));
    await page.waitForSelector(TOKEN_INPUT, { visible: true });
    expect(await axeViolations(page)).toEqual([]);

    await replaceText(page, TOKEN_INPUT, 'wrong-token-000');
    await page.keyboard.press('Enter');
    await waitForTexts(page, inApp('admin-dialog', '.error'), (texts) => texts.some((text) => text.includes('The master refused (401): send the admin token')), 'the 401');

    await replaceText(page, TOKEN_INPUT, ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await waitForTexts(page, inApp('job-board', '.notice'), (texts) => texts.some((text) => text === 'Deleted all 2 jobs.'), 'the cleared board');
    expect(await rows(page)).toEqual([]);
    // Kept for this tab, so the next clear is one click.
    expect(await page.evaluate(() => sessionStorage.getItem('grid-admin-token'))).toBe(ADMIN_TOKEN);
  });

  it('pages back through older jobs with "Load older jobs"', async () => {
    const image = uploadsFrom([smallImage.path])[0]!;
    await submit(master.url, Array.from({ length: 100 }, () => image));
    await submit(master.url, Array.from({ length: 30 }, () => image));
    const { page } = await open('/');
    await waitForTexts(page, inApp('job-board', '.summary'), (texts) => texts.some((text) => text.includes('100 loaded')), 'the first page');
    await clickDeep(page, inApp('job-board', '.more button'));
    await waitForTexts(page, inApp('job-board', '.summary'), (texts) => texts.some((text) => text.includes('130 loaded')), 'all jobs');
    await waitForTexts(page, inApp('job-board', '.more'), (texts) => texts.some((text) => text.includes('That is every job')), 'the end');
    // Virtualized: a screenful of rows in the page, not 130.
    expect((await rows(page)).length).toBeLessThan(40);
    await clearAllJobs();
  });

  it('stays smooth with 10,000 jobs loaded', async () => {
    const jobs = Array.from({ length: 10_000 }, (_, i) => syntheticJob(i));
    const page = await browser.newPage();
    const watch = new PageWatch(page, master.url);
    await page.setViewport({ width: 1280, height: 800 });
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/jobs' && request.method() === 'GET') {
        void request.respond({ contentType: 'application/json', body: JSON.stringify({ jobs, nextCursor: null }) });
      } else if (url.pathname.startsWith('/api/jobs/synthetic-')) {
        void request.respond({ contentType: 'image/png', body: TINY_PNG });
      } else void request.continue();
    });
    try {
      await page.goto(`${master.url}/`, { waitUntil: 'domcontentloaded' });
      await waitForTexts(page, inApp('job-board', '.summary'), (texts) => texts.some((text) => text.includes('10,000 loaded')), '10,000 jobs', 60_000);
      expect((await rows(page)).length).toBeLessThan(40);

      // Frame times while scrolling two ways: like a mouse wheel (200 px a step, rows reused) and in
      // jumps of 400 rows (every row in view rendered afresh).
      const scrollFrames = (steps: number, by: 'wheel' | 'jump') =>
        page.evaluate(
          async (steps, by) => {
            const times: number[] = [];
            let last = performance.now();
            for (let step = 1; step <= steps; step++) {
              const target = by === 'wheel' ? scrollY + 200 : (document.documentElement.scrollHeight * step) / steps;
              window.scrollTo(0, target);
              for (let frame = 0; frame < 2; frame++) {
                await new Promise((resolve) => requestAnimationFrame(resolve));
                const now = performance.now();
                times.push(now - last);
                last = now;
              }
            }
            return times.sort((a, b) => a - b);
          },
          steps,
          by,
        );
      const median = (times: number[]) => times[Math.floor(times.length / 2)]!;
      const wheel = await scrollFrames(60, 'wheel');
      const jump = await scrollFrames(25, 'jump');
      console.log(
        `10,000 jobs: wheel scrolling median frame ${median(wheel).toFixed(1)} ms (worst ${wheel.at(-1)!.toFixed(1)}), ` +
          `jumps of 400 rows median ${median(jump).toFixed(1)} ms (worst ${jump.at(-1)!.toFixed(1)})`,
      );
      // Generous for two shared cores; an unvirtualized list of 10,000 rows takes seconds per frame.
      expect(median(wheel)).toBeLessThan(50);
      expect(median(jump)).toBeLessThan(100);
      // Rows measured on the way replace the virtualizer's height estimates: the end may have moved on.
      const last = await waitForTexts(
        page,
        inApp('job-row'),
        (texts) => {
          void page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
          return texts.some((text) => text.includes('photo-0.jpg'));
        },
        'the oldest job',
      );
      expect(last.length).toBeLessThan(40);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('job page', () => {
  it('shows a job that no worker has picked up yet', async () => {
    const [id] = await submit(master.url, uploadsFrom([smallImage.path]));
    const { page } = await open(`/jobs/${id}`);
    await waitForTexts(page, inApp('job-detail', 'h1'), (texts) => texts[0] === smallImage.file, 'the job');
    const texts = await deepTexts(page, inApp('attempt-timeline'));
    expect(texts[0]).toContain('No worker has picked this job up yet.');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('says so when the job does not exist', async () => {
    const { page, watch } = await open('/jobs/no-such-job');
    watch.expect((url, status) => status === 404 && url.endsWith('/api/jobs/no-such-job'));
    await waitForTexts(page, inApp('job-detail', '.problem'), (texts) => texts.some((text) => text.includes('There is no job no-such-job')), 'the 404');
  });
});

describe('submit page', () => {
  it("shows each file's own error in plain words, from the master or from the pre-check", async () => {
    const fakePng = path.join(scratch, 'not-really.png');
    fs.writeFileSync(fakePng, 'hello, I am text');
    const notes = path.join(scratch, 'notes.txt');
    fs.writeFileSync(notes, 'plain text');
    const tooLarge = devImages().find((image) => fs.statSync(image.path).size > MAX_UPLOAD_BYTES)!;

    const { page, watch } = await open('/submit');
    watch.expect((url, status) => (status === 415 || status === 413) && url.endsWith('/api/jobs'));
    const input = await page.waitForSelector(inApp('submit-page', 'drop-zone', 'input[type=file]'));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(fakePng, notes, tooLarge.path, smallImage.path);

    const items = await waitForTexts(
      page,
      inApp('upload-item'),
      (texts) => texts.length === 4 && texts.every((text) => /not uploaded|uploaded/.test(text)) && texts.some((text) => text.includes('Queued') || text.includes('queued')),
      'four outcomes',
    );
    const byName = (name: string) => items.find((text) => text.includes(name))!;
    expect(byName('not-really.png')).toContain('Not an image the grid can read: "not-really.png" is not an image this service can read');
    expect(byName('notes.txt')).toContain('Not an image: this is a text/plain file.');
    expect(byName(tooLarge.file)).toContain('Too large: an image is larger than the limit of 180 kB.');
    expect(byName(smallImage.file)).toMatch(/queued/);
    await waitForTexts(page, inApp('submit-page', '.counts'), (texts) => texts.some((text) => text.includes('1 of 4 images uploaded · 3 not uploaded')), 'the totals');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('shows per-file and total upload progress as the bytes go out', async () => {
    const { page } = await open('/submit');
    // A slow uplink (64 kB/s) makes the progress visible; on localhost it would be over at once.
    await page.emulateNetworkConditions({ download: -1, upload: 64_000, latency: 0 });
    const input = await page.waitForSelector(inApp('submit-page', 'drop-zone', 'input[type=file]'));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(threeImages[0]!.path);
    const progress = await page.waitForFunction(
      () => {
        const submitPage = document.querySelector('app-shell')?.shadowRoot?.querySelector('submit-page')?.shadowRoot;
        const total = submitPage?.querySelector('.totals progress');
        const file = submitPage?.querySelector('upload-item')?.shadowRoot?.querySelector('progress');
        if (!(total instanceof HTMLProgressElement) || !(file instanceof HTMLProgressElement)) return null;
        return file.value > 0 && file.value < file.max ? { file: file.value / file.max, total: total.value / total.max } : null;
      },
      { polling: 50, timeout: 20_000 },
    );
    const seen = (await progress.jsonValue())!;
    expect(seen.file).toBeGreaterThan(0);
    expect(seen.file).toBeLessThan(1);
    expect(seen.total).toBeGreaterThan(0);
    await page.emulateNetworkConditions(null);
    await waitForTexts(page, inApp('upload-item'), (texts) => texts[0]?.includes('uploaded') ?? false, 'the upload', 30_000);
  });

  it('takes images pasted anywhere on the page and dropped on the drop zone', async () => {
    const { page } = await open('/submit');
    await page.waitForSelector(inApp('submit-page', 'drop-zone', '.zone'));
    await page.evaluate((png) => {
      const file = (name: string) => new File([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], name, { type: 'image/png' });
      const pasted = new DataTransfer();
      pasted.items.add(file('pasted.png'));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true }));
      const dropped = new DataTransfer();
      dropped.items.add(file('dropped.png'));
      const zone = document.querySelector('app-shell')!.shadowRoot!.querySelector('submit-page')!.shadowRoot!.querySelector('drop-zone')!.shadowRoot!.querySelector('.zone')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dropped, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
    }, TINY_PNG.toString('base64'));
    const items = await waitForTexts(page, inApp('upload-item'), (texts) => texts.length === 2 && texts.every((text) => text.includes('· uploaded')), 'two uploads');
    expect(items.map((text) => text.split(' ')[0])).toEqual(['pasted.png', 'dropped.png']);
  });
});

describe('stats page', () => {
  it('draws the charts and the workers table from /api/stats', async () => {
    const page = await browser.newPage();
    const watch = new PageWatch(page, master.url);
    watch.expect((url, status) => status === 'failed' && url.endsWith('/api/stats'));
    await page.setRequestInterception(true);
    let unreachable = false;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname !== '/api/stats') return void request.continue();
      if (unreachable) return void request.abort('connectionrefused');
      void request.respond({ contentType: 'application/json', body: JSON.stringify(statsFixture()) });
    });
    try {
      await page.setViewport({ width: 1280, height: 800 });
      await page.goto(`${master.url}/stats`, { waitUntil: 'domcontentloaded' });
      await waitForTexts(page, inApp('workers-table', 'tbody tr'), (texts) => texts.length === 2, 'two workers');
      const [first] = await deepTexts(page, inApp('workers-table', 'tbody tr'));
      expect(first).toMatch(/fleet-1\s+headless\s+wasm\s+62 ms\s+1,200\s+3/);
      expect(await page.$$eval(inApp('stats-page', 'uplot-chart', 'canvas'), (canvases) => canvases.length)).toBe(5);
      expect((await deepTexts(page, inApp('stats-page', '.tiles')))[0]).toMatch(/12\s+Queued/);
      expect(await axeViolations(page)).toEqual([]);

      // The master goes away: say so, keep the last figures, and recover by itself.
      unreachable = true;
      await clickDeep(page, inApp('stats-page', '.bar button'));
      await waitForTexts(page, inApp('stats-page', '.problem'), (texts) => texts.some((text) => text.includes('Could not get statistics from the master')), 'the outage');
      expect(await deepTexts(page, inApp('workers-table', 'tbody tr'))).toHaveLength(2);
      unreachable = false;
      await waitForTexts(page, inApp('stats-page', '.problem'), (texts) => texts.length === 0, 'the recovery', 15_000);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('when the master goes away', () => {
  it('says so on the board, retries by itself, and is live again when the master is back', async () => {
    const port = await freePort();
    const dataDir = tempDataDir();
    let away = await startTestMaster({ port, dataDir });
    const page = await browser.newPage();
    const watch = new PageWatch(page, away.url);
    // While the master is down, the reconnection attempts fail: that is what is being tested.
    watch.expect((_url, status) => status === 'failed');
    try {
      await page.goto(`${away.url}/`, { waitUntil: 'domcontentloaded' });
      await waitForTexts(page, inApp('job-board'), (texts) => texts.some((text) => text.includes('No jobs yet.')), 'the live board');
      await away.close();
      await waitForTexts(page, inApp('feed-banner'), (texts) => texts[0] === 'Master unreachable — retrying…', 'the outage');

      away = await startTestMaster({ port, dataDir });
      await waitForTexts(page, inApp('feed-banner'), (texts) => texts[0] === '', 'the reconnection', 30_000);
      await submit(away.url, uploadsFrom([smallImage.path]));
      await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 1, 'a new job, live');
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
      await away.close();
    }
  });
});

function syntheticJob(i: number): JobView {
  const at = new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
  return {
    id: `synthetic-${i}`,
    status: i % 10 === 0 ? 'failed' : 'done',
    attempts: 1,
    fileName: `photo-${i}.jpg`,
    contentType: 'image/png',
    size: 100,
    submittedAt: at,
    startedAt: at,
    finishedAt: at,
    worker: 'fleet-1',
    error: i % 10 === 0 ? 'cannot decode the image' : null,
    result:
      i % 10 === 0
        ? null
        : {
            model: 'abc',
            backend: 'wasm',
            inferenceMs: 60,
            predictions: [
              { index: 281, label: 'tabby, tabby cat', probability: 0.7 },
              { index: 282, label: 'tiger cat', probability: 0.2 },
              { index: 285, label: 'Egyptian cat', probability: 0.05 },
            ],
          },
  };
}

/** A 1×1 transparent PNG. */
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

function statsFixture(): StatsView {
  const now = Date.now();
  const series = Array.from({ length: 120 }, (_, i) => ({
    at: new Date(now - (120 - i) * 5000).toISOString(),
    submitted: 40 + (i % 7),
    completed: 38 + (i % 5),
    failed: i % 20 === 0 ? 1 : 0,
    queued: 10 + (i % 9),
    leased: 4,
  }));
  const histogram = (counts: number[]) => {
    const bounds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, null];
    let total = 0;
    return bounds.map((le, i) => ({ le, count: (total += counts[i] ?? 0) }));
  };
  const distribution = { count: 4000, mean: 80, p50: 62, p90: 140, p99: 300, max: 900 };
  const worker = (name: string, jobsDone: number, jobsFailed: number) => ({
    id: name,
    name,
    kind: 'headless' as const,
    backend: 'wasm',
    model: 'abc',
    credit: 8,
    inFlight: 3,
    jobsDone,
    jobsFailed,
    meanInferenceMs: 62,
    connectedAt: new Date(now - 600_000).toISOString(),
    draining: false,
  });
  return {
    at: new Date(now).toISOString(),
    uptimeSeconds: 3700,
    jobs: { queued: 12, leased: 4, done: 5000, failed: 7 },
    series,
    latencyMs: { queue: distribution, inference: distribution, endToEnd: distribution },
    histogramsMs: {
      queue: histogram([300, 500, 900, 1200, 800, 250, 40, 10]),
      inference: histogram([0, 0, 100, 2500, 1300, 100]),
      endToEnd: histogram([0, 0, 0, 200, 1500, 1800, 400, 100]),
    },
    workers: [worker('fleet-1', 1200, 3), worker('fleet-2', 1100, 0)],
    dispatch: { dispatched: 5100, completed: 5000, failedAttempts: 9, reassigned: { lost: 2, expired: 1 }, rejected: { 'unknown-job': 0, 'stale-lease': 1, 'not-your-lease': 0 } },
  };
}
