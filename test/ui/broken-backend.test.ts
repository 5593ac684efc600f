// The worker page in real Chromium against a real master when its backend dies under it (a WASM out-of-memory, a lost
// WebGL context: every job fails at once). The fault is put into the browser itself: the canvas read that turns a
// decoded image into the model's input throws, as an allocation failing would. The page must not stay 'ready' failing
// every job: it hands its leases back and reloads the classifier, and, broken again, waits in 'error', where the fleet
// relaunches a page (headless-worker/supervised-worker.ts).
import { describe, expect, it } from 'vitest';
import { clickDeep, inApp, waitForTexts } from '../support/browser.ts';
import { submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { threeImages, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

declare global {
  interface Window {
    /** Set by the test: the canvas reads of the page fail from then on. */
    __pixelsFail?: boolean;
  }
}

describe('a worker page whose backend breaks', () => {
  it('reloads its classifier, and when that fails too, waits in error', async () => {
    const { page } = await ui.open('/worker?name=broken-backend');
    await page.evaluateOnNewDocument(() => {
      for (const proto of [CanvasRenderingContext2D.prototype, OffscreenCanvasRenderingContext2D.prototype]) {
        const real = proto.getImageData;
        proto.getImageData = function (this: CanvasRenderingContext2D, ...args: Parameters<typeof real>) {
          if (window.__pixelsFail) throw new RangeError('Array buffer allocation failed');
          return real.apply(this, args);
        } as typeof real;
      }
    });
    await page.reload({ waitUntil: 'domcontentloaded' });
    const working = () =>
      waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === 'Working: classifying images as they come', 'the page working', 90_000);
    await clickDeep(page, inApp('worker-page', '.control button'));
    await working();
    await page.evaluate(() => (window.__pixelsFail = true));

    const statuses = async (ids: string[]) =>
      Promise.all(ids.map(async (id) => ((await fetch(`${ui.master.url}/api/jobs/${id}`).then((r) => r.json())) as { status: string }).status));
    const jobsFailed = () => page.evaluate(() => window.__gridWorker?.jobsFailed ?? 0);

    // Three failures in a row: reloaded at once, the page works again (its backend still broken).
    const first = await submit(ui.master.url, uploadsFrom(threeImages.map((image) => image.path)));
    await until(async () => (await jobsFailed()) === 3, 'three jobs failed', 30_000);
    await working();
    // Three more: no job classified since the reload, so the page waits in 'error', saying why.
    const second = await submit(ui.master.url, uploadsFrom(threeImages.map((image) => image.path)));
    await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === 'Problem: retrying…', 'the page in error', 30_000);
    expect(await waitForTexts(page, inApp('worker-page', '.problem'), (texts) => texts.length === 1, 'the problem')).toEqual([
      'Last problem: 3 jobs in a row failed here (Array buffer allocation failed): reloading the classifier in 60 s',
    ]);
    expect(await page.evaluate(() => window.__gridWorker?.state)).toBe('error');
    expect(await jobsFailed()).toBe(6);
    // Failed as retryable, every job waits for another worker.
    expect(await statuses([...first, ...second])).toEqual(Array<string>(6).fill('queued'));
  });
});
