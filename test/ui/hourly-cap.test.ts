// The volunteer's hourly cap in real Chromium against a real master: a page allowed 3 images an hour does 3 of the
// jobs waiting, not one more, and says it is paused at its limit; the rest wait for another worker.
import { describe, expect, it } from 'vitest';
import { clickDeep, inApp, waitForTexts } from '../support/browser.ts';
import { submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { replaceText, threeImages, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();
const CAP = 3;

describe('the hourly cap', () => {
  it('lets the page do exactly its images per hour, then pauses it at its limit', async () => {
    const { page } = await ui.open('/worker?name=capped');
    await clickDeep(page, inApp('worker-page', 'donor-controls', 'input[name=cap]'));
    await replaceText(page, inApp('worker-page', 'donor-controls', 'input[name=images-per-hour]'), String(CAP));
    await page.keyboard.press('Tab'); // the number is taken on change
    // Ticking the box already keeps a default cap: wait for the one typed.
    const keptCap = () =>
      page.evaluate(() => (JSON.parse(localStorage.getItem('grid-donor-limits') ?? 'null') as { imagesPerHour?: number } | null)?.imagesPerHour);
    await until(async () => (await keptCap()) === CAP, 'the cap kept');
    await clickDeep(page, inApp('worker-page', '.control button'));
    await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === 'Working: classifying images as they come', 'the page working', 90_000);

    // Nine jobs (the harness's uploads are small: three images, three times each).
    const ids = await submit(ui.master.url, uploadsFrom([...threeImages, ...threeImages, ...threeImages].map((image) => image.path)));
    const statuses = async () =>
      Promise.all(ids.map(async (id) => ((await fetch(`${ui.master.url}/api/jobs/${id}`).then((r) => r.json())) as { status: string }).status));
    await until(async () => (await statuses()).filter((status) => status === 'done').length >= CAP, `${CAP} jobs done`);
    await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0]?.includes('hour') ?? false, 'the page paused at its limit');
    // Given time to take one more, it takes none.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await statuses()).sort()).toEqual([...Array<string>(CAP).fill('done'), ...Array<string>(ids.length - CAP).fill('queued')].sort());
  });
});
