// The board while its first list of jobs is still on its way (a slow master): it says it is loading, never that
// there are no jobs.
import type { HTTPRequest } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { deepTexts, inApp, waitForTexts } from '../support/browser.ts';
import { submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { smallImage, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

describe('job board loading', () => {
  it('says it is loading until the first list of jobs arrives, then shows them', async () => {
    await submit(ui.master.url, uploadsFrom([smallImage.path]));
    const { page } = await ui.open('/');
    await page.setRequestInterception(true);
    const held: HTTPRequest[] = [];
    page.on('request', (request) => void (new URL(request.url()).pathname === '/api/jobs' ? held.push(request) : request.continue()));
    await page.reload({ waitUntil: 'domcontentloaded' });
    await until(() => held.length === 1, 'the list of jobs asked for');
    // The live stream is open by now: only the list is missing.
    await waitForTexts(page, inApp('job-board', '.summary'), (texts) => texts.length === 1, 'the board');
    const [empty] = await deepTexts(page, inApp('job-board', '.empty'));
    expect(empty).toBe('Loading jobs…');
    await held[0]!.continue();
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 1, 'the job');
  });
});
