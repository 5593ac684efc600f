// A master with no spot checks (no GOLD_DIR) at the default MIN_CHECKS_TO_VERIFY, as `npm start` runs: no
// volunteer can earn a say, so the worker page and the board say that volunteers' answers cannot verify a job,
// rather than promise an agreement that never comes. Real Chromium, a real worker page answering a real image.
import { describe, expect, it } from 'vitest';
import { clickDeep, deepTexts, inApp, waitForTexts } from '../support/browser.ts';
import { getJob, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { smallImage, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ master: { minChecksToVerify: 1 } });

const NO_SPOT_CHECKS =
  'this master runs no spot checks, so volunteers’ answers cannot verify it: it waits for a trusted worker, or ends unverified after 5 answers';

describe('a master where volunteers cannot earn a say', () => {
  it('tells the volunteer on the worker page, and the board, what its answers can and cannot do', async () => {
    const { page } = await ui.open('/worker');
    await clickDeep(page, inApp('worker-page', '.control button'));
    await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === 'Working: classifying images as they come', 'the page at work', 90_000);
    const [id] = await submit(ui.master.url, uploadsFrom([smallImage.path]));
    await until(async () => (await getJob(ui.master.url, id!)).votes === 1, 'the page’s answer, kept as a vote');
    const work = (await deepTexts(page, inApp('worker-page', '.cards section'))).find((text) => text.startsWith('Work'));
    expect(work).toContain('Volunteer: this master runs no spot checks, so no volunteer’s answer can verify a job');

    await page.goto(`${ui.master.url}/`);
    // The row first renders without the master's verification policy (asked for once the row exists): wait for its words.
    const [row] = await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 1 && texts[0]!.includes(NO_SPOT_CHECKS), 'the job on the board');
    expect(row).toContain(`1 volunteer answer; ${NO_SPOT_CHECKS}`);
    expect((await getJob(ui.master.url, id!)).status).toBe('queued');

    await page.goto(`${ui.master.url}/jobs/${id}`);
    await waitForTexts(page, inApp('job-detail', 'section[aria-labelledby=labels]'), (texts) => texts[0]?.includes(NO_SPOT_CHECKS) ?? false, 'the job page');
  });
});
