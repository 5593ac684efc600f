// The job page in real Chromium against a real master: a job no worker picked up, one that does not exist, one
// the master answers with errors; then synthetic workers (the real protocol from Node) give results each
// verification state, shown on the board and the job page.
import { describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { axeViolations, deepTexts, inApp, PageWatch, waitForTexts } from '../support/browser.ts';
import { getJob, settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { TEST_FLEET_TOKEN } from '../support/test-master.ts';
import { ADMIN_TOKEN, smallImage, useUiHarness } from '../support/ui-harness.ts';

// A new volunteer's answer alone is 90% credible, two that agree 98.8%: below 95% a job waits for a
// second answer, and two that disagree end it unverified (MAX_REPLICAS 2).
const ui = useUiHarness({ master: { targetError: 0.05, maxReplicas: 2 } });

describe('job page', () => {
  it('shows a job that no worker has picked up yet', async () => {
    const [id] = await submit(ui.master.url, uploadsFrom([smallImage.path]));
    const { page } = await ui.open(`/jobs/${id}`);
    await waitForTexts(page, inApp('job-detail', 'h1'), (texts) => texts[0] === smallImage.file, 'the job');
    const texts = await deepTexts(page, inApp('attempt-timeline'));
    expect(texts[0]).toContain('No worker has picked this job up yet.');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('once the job is deleted while shown, no longer says it waits for a worker', async () => {
    const [id] = await submit(ui.master.url, uploadsFrom([smallImage.path]));
    const { page } = await ui.open(`/jobs/${id}`);
    await waitForTexts(page, inApp('job-detail', 'section.panel'), (texts) => texts[0]?.includes('Waiting for a worker…') ?? false, 'the queued job');
    const deleted = await fetch(`${ui.master.url}/api/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(deleted.status).toBe(204);
    await waitForTexts(page, inApp('job-detail', '.notice'), (texts) => texts[0] === 'This job has been deleted.', 'the deletion');
    expect((await deepTexts(page, inApp('job-detail', 'section.panel')))[0]).toBe('What the model sees Deleted before any worker finished it.');
    expect(await deepTexts(page, inApp('job-detail', 'status-chip'))).toEqual([]);
  });

  it('says so when the job does not exist, in its own words only', async () => {
    // A crafted link (found by review): a right-to-left override and reversed words, which the alert used to echo
    // so that they read as the page's own.
    const crafted = `x\u202E${[...'Your account is suspended. Call +1-555-0100'].reverse().join('')}`;
    const { page, watch } = await ui.open(`/jobs/${encodeURIComponent(crafted)}`);
    watch.expect((url, status) => status === 404 && new URL(url).pathname.startsWith('/api/jobs/'));
    const alerts = await waitForTexts(page, inApp('job-detail', '[role=alert]'), (texts) => texts.some((text) => text !== ''), 'the 404');
    expect(alerts.filter((text) => text !== '')).toEqual(['There is no such job; it may have been deleted.']);
  });

  it('backs off while the master answers the job with errors, however busy the live feed is', async () => {
    const [id] = await submit(ui.master.url, uploadsFrom([smallImage.path]));
    const jobPath = `/api/jobs/${id}`;
    const page = await ui.browser.newPage();
    const watch = new PageWatch(page, ui.master.url);
    watch.expect((url, status) => status === 503 && new URL(url).pathname === jobPath);
    let failing = true;
    const asked: number[] = [];
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === jobPath && request.method() === 'GET') {
        asked.push(Date.now());
        if (failing) {
          void request.respond({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'store-unavailable', message: 'the job store is unavailable; try again shortly' } }),
          });
          return;
        }
      }
      void request.continue();
    });
    try {
      await page.goto(`${ui.master.url}/jobs/${id}`, { waitUntil: 'domcontentloaded' });
      await waitForTexts(page, inApp('job-detail', 'h1'), (texts) => texts[0] === 'Job not shown', 'the failed fetch');
      // A busy grid: a new job every 100 ms, each a change of the live feed the page follows.
      const start = asked[0]!;
      const image = uploadsFrom([smallImage.path]);
      while (Date.now() - start < 3_000) {
        await submit(ui.master.url, image);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // Backoff delays of at least 0.25, 0.5 and 1 s: at most four fetches in the first 3 s (each feed change used to make one).
      expect(asked.filter((at) => at - start <= 3_000).length).toBeLessThanOrEqual(4);

      // The master recovers: after one more change of the feed, the page shows the job once its wait (at most 10 s) is over.
      failing = false;
      await submit(ui.master.url, image);
      await waitForTexts(page, inApp('job-detail', 'h1'), (texts) => texts[0] === smallImage.file, 'the job after the master recovered');
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('verification on the board and the job page', () => {
  const TABBY = 281;
  const TIGER_CAT = 282;
  const image = uploadsFrom([smallImage.path])[0]!.bytes;
  const ids: Record<'trusted' | 'verified' | 'unverified' | 'waiting' | 'private', string> = {
    trusted: '',
    verified: '',
    unverified: '',
    waiting: '',
    private: '',
  };
  const submitAs = async (name: keyof typeof ids, headers: Record<string, string> = {}) =>
    (ids[name] = (await submit(ui.master.url, [{ name: `${name}.jpg`, bytes: image }], headers))[0]!);

  let networks = 0;
  /** A new identity (or the fleet), each from a loopback address of its own (its network), answers the one queued job with class `index`, then goes away. */
  async function answer(id: string, index: number, trusted = false): Promise<void> {
    const worker = await SyntheticWorker.connect({
      masterUrl: ui.master.url,
      localAddress: `127.0.3.${++networks}`,
      name: trusted ? 'fleet' : 'volunteer',
      hello: trusted ? { fleetToken: TEST_FLEET_TOKEN } : {},
      onJob: (job, self) => self.succeed(job.header, index),
    });
    const answers = async () =>
      (await getJob(ui.master.url, id)).timeline.filter((attempt) => attempt.outcome === 'answered' || attempt.outcome === 'done').length;
    const before = await answers();
    try {
      await until(async () => (await answers()) > before, `an answer to ${id}`);
    } finally {
      worker.terminate();
    }
    // Gone from the master too, so no later job counts on it.
    await until(
      async () => ((await fetch(`${ui.master.url}/api/workers`).then((r) => r.json())) as { workers: unknown[] }).workers.length === 0,
      'the worker to leave',
    );
  }

  /** Each row's name and its badge's state and background colour (null where it has none). */
  const badges = (page: Page) =>
    page.$$eval(inApp('job-row'), (jobRows) =>
      jobRows.map((jobRow) => {
        const span = jobRow.shadowRoot!.querySelector('verification-badge')?.shadowRoot?.querySelector('[data-state]');
        return {
          name: jobRow.shadowRoot!.querySelector('a.name')!.textContent,
          state: span?.getAttribute('data-state') ?? null,
          background: span ? getComputedStyle(span).backgroundColor : null,
        };
      }),
    );

  it('badges done jobs trusted, verified with their credibility, or unverified in a warning tone; marks trusted-only jobs', async () => {
    await ui.clearAllJobs();
    await answer(await submitAs('trusted'), TABBY, true);
    await answer(await submitAs('verified'), TABBY);
    await answer(ids.verified, TABBY);
    await answer(await submitAs('unverified'), TABBY);
    await answer(ids.unverified, TIGER_CAT);
    await answer(await submitAs('waiting'), TABBY);
    await submitAs('private', { 'Private-Job': 'true' });
    const done = await settled(ui.master.url, [ids.trusted, ids.verified, ids.unverified], 10_000);
    expect(done.map((job) => job.result?.verification?.state)).toEqual(['trusted', 'verified', 'unverified']);

    const { page } = await ui.open('/');
    const shown = await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 5, 'five rows');
    const row = (name: string) => shown.find((text) => text.startsWith(`${name}.jpg `))!;
    expect(row('trusted')).toMatch(/done trusted/);
    expect(row('verified')).toMatch(/done verified 98\.8%/);
    expect(row('unverified')).toMatch(/done ⚠ unverified/);
    expect(row('waiting')).toMatch(/queued Submitted .* 1 volunteer answer, waiting for another worker to agree…/);
    expect(row('private')).toMatch(/queued trusted workers only .* Waiting for a trusted worker…/);
    const shownBadges = await badges(page);
    const byName = (name: string) => shownBadges.find((shownBadge) => shownBadge.name === `${name}.jpg`)!;
    expect(['trusted', 'verified', 'unverified', 'waiting', 'private'].map((name) => byName(name).state)).toEqual([
      'trusted',
      'verified',
      'unverified',
      null,
      null,
    ]);
    expect(byName('unverified').background).not.toBe(byName('verified').background);
    expect(await axeViolations(page)).toEqual([]);
  });

  const answersTable = (page: Page) => waitForTexts(page, inApp('job-detail', 'tbody tr'), (texts) => texts.length > 0, 'the answers');

  it('lists the answers on the job page, with the credibility and what the state means', async () => {
    const { page } = await ui.open(`/jobs/${ids.verified}`);
    await waitForTexts(page, inApp('job-detail', '.head'), (texts) => texts[0]?.includes('done verified 98.8%') ?? false, 'the badge');
    const [section] = await deepTexts(page, inApp('job-detail', 'section[aria-labelledby=verification]'));
    expect(section).toContain('2 volunteer answers agreed until this answer was 98.8% likely to be what an honest worker says.');
    expect(section).toMatch(/Credibility 98\.8%/);
    const replicas = (await getJob(ui.master.url, ids.verified)).result!.verification!.replicas;
    expect(await answersTable(page)).toEqual(replicas.map((replica) => `${replica.workerId.slice(0, 8)} volunteer tabby ✓`));
    expect(await axeViolations(page)).toEqual([]);
  });

  it('shows which answer lost on an unverified job, and what a waiting or a trusted-only job waits for', async () => {
    const { page } = await ui.open(`/jobs/${ids.unverified}`);
    const labels: Record<number, string> = { [TABBY]: 'tabby', [TIGER_CAT]: 'tiger cat' };
    const replicas = (await getJob(ui.master.url, ids.unverified)).result!.verification!.replicas;
    expect(replicas.map((replica) => replica.agreed).sort()).toEqual([false, true]);
    expect(await answersTable(page)).toEqual(
      replicas.map((replica) => `${replica.workerId.slice(0, 8)} volunteer ${labels[replica.top1]} ${replica.agreed ? '✓' : '✗'}`),
    );
    const [section] = await deepTexts(page, inApp('job-detail', 'section[aria-labelledby=verification]'));
    expect(section).toContain(
      '2 volunteer answers did not verify it (not enough of those from volunteers that had passed spot checks agreed), and no trusted worker was there to settle it',
    );

    await page.goto(`${ui.master.url}/jobs/${ids.waiting}`);
    await waitForTexts(
      page,
      inApp('job-detail', 'section[aria-labelledby=labels]'),
      (texts) => texts[0]?.includes('Waiting for a worker… 1 volunteer answer, waiting for another worker to agree.') ?? false,
      'the answer waiting for agreement',
    );
    expect(await page.$(inApp('job-detail', 'section[aria-labelledby=verification]'))).toBeNull();

    await page.goto(`${ui.master.url}/jobs/${ids.private}`);
    await waitForTexts(page, inApp('job-detail', '.head'), (texts) => texts[0]?.includes('queued trusted workers only') ?? false, 'the trusted-only marker');
    expect(await deepTexts(page, inApp('job-detail', 'section[aria-labelledby=labels]'))).toEqual(['What the model sees Waiting for a trusted worker…']);
  });
});
