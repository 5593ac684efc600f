// A master whose pages are smaller than the web app asks for (MAX_JOBS_PAGE 2, MAX_LEADERBOARD_PAGE 1), in real
// Chromium: the master refuses the larger limit once (bad-limit), the app takes the master's own page size from then
// on, and the board and the leaderboard show, and page through, everything.
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { clickDeep, inApp, waitForTexts } from '../support/browser.ts';
import { settled, submit } from '../support/jobs-client.ts';
import { rows, useUiHarness } from '../support/ui-harness.ts';
import { TINY_PNG } from './fixtures.ts';

const ui = useUiHarness({ master: { maxJobsPage: 2, maxLeaderboardPage: 1 } });

/** Two volunteers, Ada with two images and Bo with one, each credited while the only worker connected. */
beforeAll(async () => {
  for (const [displayName, images] of [
    ['Ada', 2],
    ['Bo', 1],
  ] as const) {
    const worker = await SyntheticWorker.connect({
      masterUrl: ui.master.url,
      credit: 1,
      hello: { displayName },
      holdClaimedTime: true,
      onJob: (job, self) => self.succeed(job.header, 1, 20),
    });
    const uploads = Array.from({ length: images }, (_, i) => ({ name: `${displayName}-${i}.png`, bytes: TINY_PNG }));
    await settled(ui.master.url, await submit(ui.master.url, uploads), 30_000);
    worker.terminate();
  }
});

/** Lets the master's bad-limit refusals through the page's watch, and counts them by path. */
function countRefusals(page: Page, watch: { expect(expected: (url: string, status: number | 'failed') => boolean): void }): Map<string, number> {
  const refusals = new Map<string, number>();
  const refusal = (url: string, status: number | 'failed') => status === 400 && new URL(url).searchParams.has('limit');
  watch.expect(refusal);
  page.on('response', (response) => {
    if (!refusal(response.url(), response.status())) return;
    const path = new URL(response.url()).pathname;
    refusals.set(path, (refusals.get(path) ?? 0) + 1);
  });
  return refusals;
}

describe('a master with small pages', () => {
  it('shows every job on the board, a page of the master’s size at a time', async () => {
    const { page, watch } = await ui.open('/');
    const refusals = countRefusals(page, watch);
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 2, 'the first page of jobs');
    await clickDeep(page, inApp('job-board', '.more button'));
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 3, 'every job after loading older ones');
    await waitForTexts(page, inApp('job-board', '.more'), (texts) => texts[0] === 'That is every job.', 'the end of the list');
    expect((await rows(page)).join(' ')).not.toMatch(/Could not/);
    // Refused once; the larger "load older" page is not asked for again.
    expect(refusals.get('/api/jobs')).toBe(1);
  });

  it('pages the leaderboard one volunteer at a time', async () => {
    const { page, watch } = await ui.open('/volunteers');
    const refusals = countRefusals(page, watch);
    const board = inApp('volunteers-page', 'section[aria-labelledby=leaderboard] tbody tr');
    await waitForTexts(page, board, (texts) => texts.length === 1 && texts[0]!.startsWith('1 Ada '), 'Ada, first');
    await clickDeep(page, inApp('volunteers-page', '.pager button:last-of-type'));
    await waitForTexts(page, board, (texts) => texts.length === 1 && texts[0]!.startsWith('2 Bo '), 'Bo, on the next page');
    await waitForTexts(page, inApp('volunteers-page', '.pager span'), (texts) => texts[0] === '2–2 of 2', 'the pager');
    // The page polls every 5 s; the refused size is not asked for again.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    expect(refusals.get('/api/volunteers')).toBe(1);
    expect(await page.$(inApp('volunteers-page', '.problem'))).toBeNull();
  });
});
