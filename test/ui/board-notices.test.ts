// The board's notices in real Chromium against a real master: a file name is the uploader's text, so where a notice
// or the admin prompt names one it is isolated in its direction, as names are everywhere else; right-to-left
// letters in it never reorder the sentence around it.
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { clickDeep, deepTexts, inApp, waitForTexts } from '../support/browser.ts';
import { submit } from '../support/jobs-client.ts';
import { ADMIN_TOKEN, replaceText, TOKEN_INPUT, useUiHarness } from '../support/ui-harness.ts';
import { TINY_PNG } from './fixtures.ts';

const ui = useUiHarness();

/** Hebrew, then digits: next to right-to-left letters, digits and neutrals join their run unless it is isolated. */
const FILE_NAME = 'חתול 2.png';

/** The text of each element under the selector laid out in its own bidi isolate. */
const isolatedTexts = (page: Page, selector: string) =>
  page.$eval(selector, (element) =>
    [...element.querySelectorAll('*')].filter((inner) => getComputedStyle(inner).unicodeBidi === 'isolate').map((inner) => inner.textContent),
  );

describe('a notice naming a file', () => {
  it('isolates the name in the admin prompt and in the notice', async () => {
    await ui.clearAllJobs();
    await submit(ui.master.url, [{ name: FILE_NAME, bytes: TINY_PNG }]);
    const { page, watch } = await ui.open('/');
    watch.expect((url, status) => status === 401 && /\/api\/jobs\/[^/]+$/.test(url));
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 1, 'the row');
    const button = inApp('job-board', 'job-row', 'button.danger');
    await clickDeep(page, button);
    await waitForTexts(page, inApp('job-row', 'button.danger'), (texts) => texts[0] === 'Really delete?', 'the confirmation');
    await clickDeep(page, button);

    // A script submitted the job, so the dialog asks for the admin token, naming the file.
    await page.waitForSelector(TOKEN_INPUT, { visible: true });
    const message = inApp('job-board', 'admin-dialog', '#message');
    expect(await deepTexts(page, message)).toEqual([`Only the browser that submitted ${FILE_NAME} or the admin may delete it. The admin token:`]);
    expect(await isolatedTexts(page, message)).toEqual([FILE_NAME]);

    await replaceText(page, TOKEN_INPUT, ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    const notice = inApp('job-board', '.notice');
    await waitForTexts(page, notice, (texts) => texts[0] === `Deleted ${FILE_NAME} .`, 'the notice');
    expect(await isolatedTexts(page, notice)).toEqual([FILE_NAME]);
  });
});
