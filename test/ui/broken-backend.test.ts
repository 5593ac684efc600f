// The worker page in real Chromium against a real master when its backend dies under it (a WASM out-of-memory, a lost
// WebGL context: every job fails at once). The fault is put into the browser itself: the canvas read that turns a
// decoded image into the model's input throws, as an allocation failing would. The page must not stay 'ready' failing
// every job: it hands its leases back and reloads the classifier, and, broken again, waits in 'error', where the fleet
// relaunches a page (headless-worker/supervised-worker.ts).
import { describe, expect, it } from 'vitest';
import { clickDeep, deepTexts, inApp, waitForTexts } from '../support/browser.ts';
import { submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { threeImages, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

declare global {
  interface Window {
    /** Set by the test: the canvas reads of the page fail from then on. */
    __pixelsFail?: boolean;
    /** Set by the test: the states the page went through. */
    __statesSeen?: string[];
  }
}

describe('a worker page whose backend breaks', () => {
  it('reloads its classifier, and when that fails too, waits in error', async () => {
    const { page } = await ui.open('/worker?name=broken-backend');
    await page.evaluateOnNewDocument(() => {
      // Every state the page publishes, in order: the page shows one at most every 250 ms, so a short one may never be on screen.
      let published: Window['__gridWorker'];
      window.__statesSeen = [];
      Object.defineProperty(window, '__gridWorker', {
        configurable: true,
        get: () => published,
        set: (status: Window['__gridWorker']) => {
          published = status;
          if (status && window.__statesSeen!.at(-1) !== status.state) window.__statesSeen!.push(status.state);
        },
      });
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
    // The screen may still say "Working" from before the reload: wait until the page went through 'error' and back.
    const reloaded = () =>
      page.evaluate(() => {
        const seen = window.__statesSeen!;
        return seen.includes('error') && seen.slice(seen.indexOf('error')).includes('ready');
      });
    await until(reloaded, 'the classifier reloaded', 90_000);
    // Three more: no job classified since the reload, so the page waits in 'error', saying why.
    const second = await submit(ui.master.url, uploadsFrom(threeImages.map((image) => image.path)));
    expect(await waitForTexts(page, inApp('worker-page', '.problem'), (texts) => texts[0]?.endsWith(' in 60 s') ?? false, 'the page in error', 30_000)).toEqual(
      ['Last problem: 3 jobs in a row failed here (Array buffer allocation failed): reloading the classifier in 60 s'],
    );
    expect(await deepTexts(page, inApp('worker-page', '.state'))).toEqual(['Problem: retrying…']);
    expect(await page.evaluate(() => window.__gridWorker?.state)).toBe('error');
    expect(await jobsFailed()).toBe(6);
    // Failed as retryable, every job waits for another worker.
    expect(await statuses([...first, ...second])).toEqual(Array<string>(6).fill('queued'));
  });
});
