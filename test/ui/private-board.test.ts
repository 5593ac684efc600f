// A private board (BOARD=private) in real Chromium: the browser sees the jobs its submit page uploaded, and
// their images and live events, by the owner key in its cookie (EventSource and <img> send no headers);
// another owner's jobs never reach it. The submit page's stream opened before the browser had that key.
import type { ElementHandle } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { clickDeep, inApp, waitForElement, waitForTexts } from '../support/browser.ts';
import { newOwner, submit, uploadsFrom } from '../support/jobs-client.ts';
import { TEST_FLEET_TOKEN } from '../support/test-master.ts';
import { smallImage, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ master: { board: 'private' } });
const image = uploadsFrom([smallImage.path])[0]!;

describe('private board', () => {
  it("shows the browser its own jobs, live and with their images, and never another's", async () => {
    const stranger = await newOwner(ui.master.url);
    await submit(ui.master.url, [{ name: 'before.jpg', bytes: image.bytes }], stranger);
    const { page } = await ui.open('/submit');
    const input = await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(smallImage.path);
    await waitForTexts(page, inApp('submit-page', '.counts'), (texts) => /^1 of 1 images? uploaded/.test(texts[0] ?? ''), 'the upload');

    // The page opened its live stream before this browser had an owner key; it still hears its own job finish.
    const worker = await SyntheticWorker.connect({
      masterUrl: ui.master.url,
      hello: { fleetToken: TEST_FLEET_TOKEN },
      onJob: (job, self) => self.succeed(job.header),
    });
    try {
      await waitForTexts(page, inApp('submit-page', 'upload-item', 'confidence-bars'), (texts) => texts.length === 1, 'the labels, live on the submit page');
    } finally {
      worker.terminate();
    }

    await clickDeep(page, 'app-shell >>> nav a[href="/"]');
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 1 && texts[0]!.includes(smallImage.file), 'its own job only');

    // Live: the stranger's next job stays away, a job of this browser's owner (sent by a script with its key) arrives.
    const cookie = (await ui.browser.cookies()).find((candidate) => candidate.name === 'grid_owner')!;
    await submit(ui.master.url, [{ name: 'theirs.jpg', bytes: image.bytes }], stranger);
    await submit(ui.master.url, [{ name: 'mine-too.jpg', bytes: image.bytes }], { Authorization: `Bearer ${cookie.value}` });
    const shown = await waitForTexts(page, inApp('job-row'), (texts) => texts.some((text) => text.includes('mine-too.jpg')), 'the live job');
    expect(shown).toHaveLength(2);
    expect(shown.some((text) => text.includes('theirs.jpg') || text.includes('before.jpg'))).toBe(false);

    await clickDeep(page, inApp('job-row', 'a.name'));
    await page.waitForFunction(() => location.pathname.startsWith('/jobs/'));
    const img = await waitForElement(page, inApp('job-detail', 'figure img'));
    await page.waitForFunction((element) => (element as HTMLImageElement).complete, {}, img);
    expect(await img.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
  });
});
