// The app's "Page not found", in real Chromium. Every path outside /api, /models, /ws and /assets is answered with the app, so
// anyone can post a link on the master's own origin whose path is a sentence of theirs: before, the page printed the
// path as its text. It says the page does not exist, without the path, and links to the site's real pages.
import { describe, expect, it } from 'vitest';
import { deepTexts, inApp, waitForTexts } from '../support/browser.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

describe('a link to a page that does not exist', () => {
  it("says there is no such page, without the link author's words, and links to the real pages", async () => {
    const { page } = await ui.open('/Your-images-were-removed.-Re-enter-your-admin-token-at-evil.example');
    await waitForTexts(page, inApp('main h1'), (t) => t[0] === 'Page not found', 'the not-found page');
    const text = (await deepTexts(page, inApp('main'))).join(' ');
    expect(text).not.toMatch(/evil|removed|token/i);
    expect(text).toContain('There is no page at this address.');
    const links = await Promise.all((await page.$$(inApp('main a'))).map((link) => link.evaluate((a) => [a.textContent, a.getAttribute('href')])));
    expect(links).toEqual([
      ['Jobs', '/'],
      ['Submit', '/submit'],
      ['Donate compute', '/worker'],
      ['Volunteers', '/volunteers'],
      ['Stats', '/stats'],
    ]);
  });
});
