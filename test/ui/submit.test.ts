// The submit page in real Chromium against a real master with no workers: per-file errors in
// plain words, upload progress, paste and drop, private uploads.
import fs from 'node:fs';
import path from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { axeViolations, clickDeep, inApp, waitForElement, waitForTexts } from '../support/browser.ts';
import { getJob, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { devImages } from '../support/paths.ts';
import { TEST_FLEET_TOKEN } from '../support/test-master.ts';
import { ADMIN_TOKEN, MAX_UPLOAD_BYTES, smallImage, threeImages, useUiHarness } from '../support/ui-harness.ts';
import { TINY_PNG } from './fixtures.ts';

const ui = useUiHarness();

/** The id of the job an uploaded file became, from its "Details" link. */
async function jobIdOf(page: Page, name: string): Promise<string> {
  const link = await waitForElement(page, inApp('upload-item', `a[aria-label="Details of ${name}"]`));
  return decodeURIComponent((await link.evaluate((a) => (a as HTMLAnchorElement).pathname)).split('/').pop()!);
}

describe('submit page', () => {
  it("shows each file's own error in plain words, from the master or from the pre-check", async () => {
    const fakePng = path.join(ui.scratch, 'not-really.png');
    fs.writeFileSync(fakePng, 'hello, I am text');
    const notes = path.join(ui.scratch, 'notes.txt');
    fs.writeFileSync(notes, 'plain text');
    const tooLarge = devImages().find((image) => fs.statSync(image.path).size > MAX_UPLOAD_BYTES)!;

    const { page, watch } = await ui.open('/submit');
    watch.expect((url, status) => (status === 415 || status === 413) && url.endsWith('/api/jobs'));
    const input = await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(fakePng, notes, tooLarge.path, smallImage.path);

    const items = await waitForTexts(
      page,
      inApp('upload-item'),
      (texts) =>
        texts.length === 4 &&
        texts.every((text) => /not uploaded|uploaded/.test(text)) &&
        texts.some((text) => text.includes('Queued') || text.includes('queued')),
      'four outcomes',
    );
    const byName = (name: string) => items.find((text) => text.includes(name))!;
    expect(byName('not-really.png')).toContain('Not an image the grid can read: "not-really.png" is not an image this service can read');
    expect(byName('notes.txt')).toContain('Not an image: this is a text/plain file.');
    expect(byName(tooLarge.file)).toContain(
      `Too large: this file is ${Math.round(fs.statSync(tooLarge.path).size / 1000)} kB, larger than the limit of 180 kB.`,
    );
    expect(byName(smallImage.file)).toMatch(/queued/);
    await waitForTexts(
      page,
      inApp('submit-page', '.counts'),
      (texts) => texts.some((text) => text.includes('1 of 4 images uploaded · 3 not uploaded')),
      'the totals',
    );
    expect(await axeViolations(page)).toEqual([]);
  });

  it('shows per-file and total upload progress as the bytes go out', async () => {
    const { page } = await ui.open('/submit');
    // A slow uplink (64 kB/s) makes the progress visible; on localhost it would be over at once.
    await page.emulateNetworkConditions({ download: -1, upload: 64_000, latency: 0 });
    const input = await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(threeImages[0]!.path);
    const progress = await page.waitForFunction(
      () => {
        const submitPage = document.querySelector('app-shell')?.shadowRoot?.querySelector('submit-page')?.shadowRoot;
        const total = submitPage?.querySelector('.totals progress');
        const file = submitPage?.querySelector('upload-item')?.shadowRoot?.querySelector('progress');
        if (!(total instanceof HTMLProgressElement) || !(file instanceof HTMLProgressElement)) return null;
        return file.value > 0 && file.value < file.max ? { file: file.value / file.max, total: total.value / total.max } : null;
      },
      { polling: 50, timeout: 20_000 },
    );
    const seen = (await progress.jsonValue())!;
    expect(seen.file).toBeGreaterThan(0);
    expect(seen.file).toBeLessThan(1);
    expect(seen.total).toBeGreaterThan(0);
    await page.emulateNetworkConditions(null);
    await waitForTexts(page, inApp('upload-item'), (texts) => texts[0]?.includes('uploaded') ?? false, 'the upload', 30_000);
  });

  it('takes images pasted anywhere on the page and dropped on the drop zone', async () => {
    const { page } = await ui.open('/submit');
    await waitForElement(page, inApp('submit-page', 'drop-zone', '.zone'));
    await page.evaluate((png) => {
      const file = (name: string) => new File([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], name, { type: 'image/png' });
      const pasted = new DataTransfer();
      pasted.items.add(file('pasted.png'));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true }));
      const dropped = new DataTransfer();
      dropped.items.add(file('dropped.png'));
      const zone = document
        .querySelector('app-shell')!
        .shadowRoot!.querySelector('submit-page')!
        .shadowRoot!.querySelector('drop-zone')!
        .shadowRoot!.querySelector('.zone')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dropped, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
    }, TINY_PNG.toString('base64'));
    const items = await waitForTexts(
      page,
      inApp('upload-item'),
      (texts) => texts.length === 2 && texts.every((text) => text.includes('· uploaded')),
      'two uploads',
    );
    expect(items.map((text) => text.split(' ')[0])).toEqual(['pasted.png', 'dropped.png']);
  });

  it('sends the images chosen while "Private" is ticked as jobs for trusted workers only, and only those', async () => {
    const { page } = await ui.open('/submit');
    const input = (await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'))) as ElementHandle<HTMLInputElement>;
    const privateBox = inApp('submit-page', 'label.private input[type=checkbox]');
    expect(await page.$eval(privateBox, (box) => (box as HTMLInputElement).checked)).toBe(false);
    await clickDeep(page, privateBox);
    await input.uploadFile(smallImage.path);
    await waitForTexts(page, inApp('submit-page', '.counts'), (texts) => /^1 of 1 image uploaded/.test(texts[0] ?? ''), 'the private upload');
    await clickDeep(page, privateBox);
    const open = threeImages.find((image) => image.file !== smallImage.file)!;
    await input.uploadFile(open.path);
    await waitForTexts(page, inApp('submit-page', '.counts'), (texts) => /^2 of 2 images uploaded/.test(texts[0] ?? ''), 'the open upload');
    expect(await axeViolations(page)).toEqual([]);

    expect((await getJob(ui.master.url, await jobIdOf(page, smallImage.file))).trustedOnly).toBe(true);
    expect((await getJob(ui.master.url, await jobIdOf(page, open.file))).trustedOnly).toBe(false);
  });

  it('says so when a job was deleted while the page was away, and still brings the other jobs up to date', async () => {
    await ui.clearAllJobs();
    const kept = threeImages[0]!;
    const removed = threeImages[1]!;
    const { page, watch } = await ui.open('/submit');
    watch.expect((url, status) => status === 404 && /\/api\/jobs\/[^/]+$/.test(url));
    const input = (await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'))) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(kept.path, removed.path);
    await waitForTexts(page, inApp('submit-page', '.counts'), (texts) => /^2 of 2 images uploaded/.test(texts[0] ?? ''), 'the uploads');
    const keptId = await jobIdOf(page, kept.file);
    const removedId = await jobIdOf(page, removed.file);

    // Away on the stats page, which does not follow the live feed: the submit page learns what happens now only by asking.
    await clickDeep(page, 'app-shell >>> nav a[href="/stats"]');
    await waitForElement(page, inApp('stats-page'));
    const deleted = await fetch(`${ui.master.url}/api/jobs/${removedId}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(deleted.status).toBe(204);
    const worker = await SyntheticWorker.connect({
      masterUrl: ui.master.url,
      hello: { fleetToken: TEST_FLEET_TOKEN },
      onJob: (job, self) => self.succeed(job.header),
    });
    try {
      await until(async () => (await getJob(ui.master.url, keptId)).status === 'done', 'the kept job to finish');
    } finally {
      worker.terminate();
    }
    // Newer jobs keep these two out of the snapshot the feed loads on coming back.
    await submit(
      ui.master.url,
      Array.from({ length: 100 }, () => uploadsFrom([smallImage.path])[0]!),
    );

    await clickDeep(page, 'app-shell >>> nav a[href="/submit"]');
    const items = await waitForTexts(
      page,
      inApp('upload-item'),
      (texts) => texts.length === 2 && texts.some((text) => text.includes('Deleted')),
      'the deleted job said so',
    );
    const byName = (name: string) => items.find((text) => text.startsWith(name))!;
    expect(byName(removed.file)).toContain('Deleted: this job is no longer on the grid.');
    expect(byName(removed.file)).not.toMatch(/queued/i);
    expect(byName(kept.file)).toMatch(/ done /);
    await ui.clearAllJobs();
  });
});
