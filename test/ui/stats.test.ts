// The stats page against a stubbed /api/stats or a real master with many workers, and the board when the master
// goes away and comes back, in real Chromium.
import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { axeViolations, clickDeep, deepTexts, inApp, openPage, PageWatch, waitForTexts } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { startTestMaster, tempDataDir } from '../support/test-master.ts';
import { ADMIN_TOKEN, replaceText, smallImage, useUiHarness } from '../support/ui-harness.ts';
import { statsFixture } from './fixtures.ts';

const ui = useUiHarness();

describe('stats page', () => {
  it('draws the charts and the workers table from /api/stats', async () => {
    const page = await ui.browser.newPage();
    const watch = new PageWatch(page, ui.master.url);
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
      await page.goto(`${ui.master.url}/stats`, { waitUntil: 'domcontentloaded' });
      const workerRows = await waitForTexts(page, inApp('workers-table', 'tbody tr'), (texts) => texts.length === 4, 'four workers');
      expect(workerRows[0]).toMatch(/^fleet-1 operator fleet headless wasm 62 ms 1,200 3 100% — 3 of 8 /);
      // A volunteer's credibility, with the digits that tell it from 100%, and the spot checks it passed.
      expect(workerRows[2]).toMatch(/^volunteer-1 volunteer browser tab wasm 62 ms 40 0 97\.3% 12 3 of 8 /);
      expect(workerRows[3]).toMatch(/^volunteer-2 volunteer browser tab wasm 62 ms 30 0 99\.999% 500 3 of 8 /);
      expect(await page.$$eval(inApp('stats-page', 'uplot-chart', 'canvas'), (canvases) => canvases.length)).toBe(5);
      expect((await deepTexts(page, inApp('stats-page', '.tiles')))[0]).toMatch(/12\s+Queued/);
      // Who was blacklisted, and why, beside the spot checks.
      const dispatch = (await deepTexts(page, inApp('stats-page', '.dispatch dd'))).map((text) => text.replace(/\s+/g, ' ').trim());
      expect(dispatch).toContain('3 volunteers (1 caught on a spot check, 2 outvoted far too often); 4 finished jobs sent back to verification');
      expect(await axeViolations(page)).toEqual([]);

      // The master goes away: say so, keep the last figures, and recover by itself.
      unreachable = true;
      await clickDeep(page, inApp('stats-page', '.bar button'));
      await waitForTexts(
        page,
        inApp('stats-page', '.problem'),
        (texts) => texts.some((text) => text.includes('Could not get statistics from the master')),
        'the outage',
      );
      expect(await deepTexts(page, inApp('workers-table', 'tbody tr'))).toHaveLength(4);
      unreachable = false;
      await waitForTexts(page, inApp('stats-page', '.problem'), (texts) => texts.length === 0, 'the recovery', 15_000);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('stats page with more workers than the master lists', () => {
  it('shows the busiest STATS_WORKERS_SHOWN, counts them all, and says how many more and where they are', async () => {
    const master = await startTestMaster({ statsWorkersShown: 5 });
    const workers = await Promise.all(Array.from({ length: 12 }, (_, i) => SyntheticWorker.connect({ masterUrl: master.url, name: `worker-${i}` })));
    const { page, watch } = await openPage(ui.browser, master.url, '/stats');
    try {
      await waitForTexts(page, inApp('workers-table', 'tbody tr'), (texts) => texts.length === 5, 'five workers');
      expect((await deepTexts(page, inApp('stats-page', '.tiles')))[0]).toMatch(/12\s+Workers/);
      const [more] = await deepTexts(page, inApp('stats-page', '.more-workers'));
      expect(more?.replace(/\s+/g, ' ').trim()).toBe(
        "The 5 with most jobs done, and 7 more: all 12 as JSON, 50 a page (each page's nextCursor leads to the next), or npm run metrics:export for a CSV file.",
      );
      expect(await page.$eval(inApp('stats-page', '.more-workers a'), (link) => link.getAttribute('href'))).toBe('/api/workers');
      expect(await axeViolations(page)).toEqual([]);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
      for (const worker of workers) worker.terminate();
      await master.close();
    }
  });
});

describe('stats page in a hidden tab', () => {
  /** What the browser does when the tab goes to the background and back, which a headless tab never does by itself. */
  const setVisibility = (page: Page, visibility: DocumentVisibilityState) =>
    page.evaluate((visibility) => {
      Object.defineProperty(document, 'visibilityState', { value: visibility, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, visibility);

  it('asks the master nothing while hidden, and asks again once shown', async () => {
    const { page } = await ui.open('/stats');
    let asked = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/stats') asked++;
    });
    await waitForTexts(page, inApp('stats-page', '.updated'), (texts) => /^Updated/.test(texts[0] ?? ''), 'the first figures');
    await setVisibility(page, 'hidden');
    const whenHidden = asked;
    // Two of the 5 s polls would have come by now.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    expect(asked).toBe(whenHidden);
    await setVisibility(page, 'visible');
    await until(() => asked > whenHidden, 'a poll once shown');
  });
});

describe('stats page told to wait', () => {
  it('says it waits as the master asked when refused with Retry-After', async () => {
    const page = await ui.browser.newPage();
    const watch = new PageWatch(page, ui.master.url);
    watch.expect((url, status) => status === 503 && new URL(url).pathname === '/api/stats');
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (new URL(request.url()).pathname !== '/api/stats') return void request.continue();
      const error = { code: 'storage-unavailable', message: 'the store is not answering; try again shortly' };
      void request.respond({ status: 503, headers: { 'retry-after': '60' }, contentType: 'application/json', body: JSON.stringify({ error }) });
    });
    try {
      await page.goto(`${ui.master.url}/stats`, { waitUntil: 'domcontentloaded' });
      await waitForTexts(
        page,
        inApp('stats-page', '[role=alert]'),
        (texts) => texts[0] === 'Could not get statistics from the master. Trying again after the wait the master asked for.',
        'the wait',
      );
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('stats page on a private board', () => {
  it('says the statistics are for the operator, and shows them once the admin token is given', async () => {
    const page = await ui.browser.newPage();
    const watch = new PageWatch(page, ui.master.url);
    watch.expect((url, status) => status === 401 && url.endsWith('/api/stats'));
    await page.setRequestInterception(true);
    // As a master with BOARD=private answers: the figures to the admin token only.
    page.on('request', (request) => {
      if (new URL(request.url()).pathname !== '/api/stats') return void request.continue();
      if (request.headers().authorization === `Bearer ${ADMIN_TOKEN}`)
        return void request.respond({ contentType: 'application/json', body: JSON.stringify(statsFixture()) });
      const error = { code: 'admin-token-required', message: 'send the admin token as "Authorization: Bearer <token>"' };
      void request.respond({ status: 401, contentType: 'application/json', body: JSON.stringify({ error }) });
    });
    try {
      await page.goto(`${ui.master.url}/stats`, { waitUntil: 'domcontentloaded' });
      // The page says "Loading statistics…" in the same place until the master answers: wait past it.
      const [said] = await waitForTexts(
        page,
        inApp('stats-page', '[role=status]'),
        (texts) => texts.length === 1 && !texts[0]!.startsWith('Loading'),
        'the refusal',
      );
      expect(said).toMatch(/^Statistics on this board are for its operator/);
      expect(await deepTexts(page, inApp('stats-page', '.problem'))).toEqual([]);
      expect(await axeViolations(page)).toEqual([]);

      await clickDeep(page, inApp('stats-page', '[role=status] button'));
      const tokenInput = inApp('stats-page', 'admin-dialog', 'input[name=token]');
      await page.waitForSelector(tokenInput, { visible: true });
      await replaceText(page, tokenInput, ADMIN_TOKEN);
      await page.keyboard.press('Enter');
      await waitForTexts(page, inApp('workers-table', 'tbody tr'), (texts) => texts.length === 4, 'the figures');
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe.each([
  { page: 'stats-page', path: '/stats', api: '/api/stats', said: 'Could not get statistics from the master. Trying again every 5 s.' },
  { page: 'volunteers-page', path: '/volunteers', api: '/api/volunteers', said: 'Could not get the leaderboard; trying again.' },
])('$path rate limited', ({ page: component, path, api, said }) => {
  it("keeps its alert's words while the master's message counts down, which it shows beside", async () => {
    const page = await ui.browser.newPage();
    const watch = new PageWatch(page, ui.master.url);
    watch.expect((url, status) => status === 429 && new URL(url).pathname === api);
    await page.setRequestInterception(true);
    let seconds = 9;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname !== api) return void request.continue();
      const message = `more than 600 requests in 10 s from your address; try again in ${seconds--} s`;
      void request.respond({ status: 429, contentType: 'application/json', body: JSON.stringify({ error: { code: 'too-many-requests', message } }) });
    });
    try {
      await page.goto(`${ui.master.url}${path}`, { waitUntil: 'domcontentloaded' });
      const alert = inApp(component, '[role=alert]');
      const detail = inApp(component, '.problem-detail');
      const [first] = await waitForTexts(page, detail, (texts) => /try again in \d s$/.test(texts[0] ?? ''), 'the master’s words');
      expect(await deepTexts(page, alert)).toEqual([said]);
      // The next poll (every 5 s) hears a lower count.
      await waitForTexts(page, detail, (texts) => texts[0] !== first, 'the next count');
      expect(await deepTexts(page, alert)).toEqual([said]);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe.each([
  { page: 'stats-page', path: '/stats', api: '/api/stats' },
  { page: 'volunteers-page', path: '/volunteers', api: '/api/volunteers' },
])('$path with the master out of reach', ({ page: component, path, api }) => {
  it('says so in its own words, not as words of the master', async () => {
    const page = await ui.browser.newPage();
    const watch = new PageWatch(page, ui.master.url);
    watch.expect((url, status) => status === 'failed' && new URL(url).pathname === api);
    await page.setRequestInterception(true);
    page.on('request', (request) => void (new URL(request.url()).pathname === api ? request.abort('connectionrefused') : request.continue()));
    try {
      await page.goto(`${ui.master.url}${path}`, { waitUntil: 'domcontentloaded' });
      const [detail] = await waitForTexts(page, inApp(component, '.problem-detail'), (texts) => texts.length === 1, 'the outage');
      expect(detail).toBe('The master is unreachable.');
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
    const page = await ui.browser.newPage();
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
