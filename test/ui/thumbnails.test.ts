// Job images on the board in real Chromium against a real master: one the master was too busy to send just then
// (503 too-many-image-bytes with Retry-After, while MAX_IMAGE_BYTES_IN_FLIGHT are on their way) is asked for again and
// shown, not left as an empty tile for good.
import { describe, expect, it } from 'vitest';
import { inApp, PageWatch } from '../support/browser.ts';
import { submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { threeImages, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();
const IMAGE_PATH = /^\/api\/jobs\/[^/]+\/image$/;

describe('board thumbnails', () => {
  it('asks again for a thumbnail the master was too busy to send, and shows it', async () => {
    await submit(ui.master.url, uploadsFrom(threeImages.map((image) => image.path)));
    const page = await ui.browser.newPage();
    const watch = new PageWatch(page, ui.master.url);
    watch.expect((url, status) => status === 503 && IMAGE_PATH.test(new URL(url).pathname));
    // Each image's first request gets the master's busy answer; the next ones reach the master.
    const asked = new Map<string, number>();
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!IMAGE_PATH.test(url.pathname)) return void request.continue();
      asked.set(url.pathname, (asked.get(url.pathname) ?? 0) + 1);
      if (asked.get(url.pathname)! > 1) return void request.continue();
      const error = { code: 'too-many-image-bytes', message: 'the master is sending as many images as it can hold at once just now; try again shortly' };
      void request.respond({ status: 503, headers: { 'Retry-After': '2' }, contentType: 'application/json', body: JSON.stringify({ error }) });
    });
    try {
      await page.goto(`${ui.master.url}/`, { waitUntil: 'domcontentloaded' });
      const shown = () =>
        page.$$eval(inApp('job-row', '.thumb img'), (images) =>
          images.map((image) => {
            const img = image as HTMLImageElement;
            return img.complete && img.naturalWidth > 0 && !img.hidden;
          }),
        );
      await until(async () => (await shown()).length === 3 && (await shown()).every(Boolean), 'three thumbnails shown', 30_000);
      expect([...asked.values()]).toEqual([2, 2, 2]);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
