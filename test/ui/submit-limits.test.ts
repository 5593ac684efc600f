// The submit page against the master's limits and a master that stops answering, in real Chromium: a file past
// MAX_UPLOAD_BYTES is refused before a byte of it is sent, and an upload the master never answers is given up.
import fs from 'node:fs';
import path from 'node:path';
import type { ElementHandle } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TIMEOUT_MS } from '../../web/src/api.ts';
import { inApp, openPage, waitForElement, waitForTexts } from '../support/browser.ts';
import { stallingProxy, type StallingProxy } from '../support/stalling-proxy.ts';
import { smallImage, threeImages, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();
let proxy: StallingProxy;

beforeAll(async () => {
  proxy = await stallingProxy({ host: '127.0.0.1', port: Number(new URL(ui.master.url).port) });
});

afterAll(() => proxy?.close());

const fileInput = async (page: import('puppeteer-core').Page) =>
  (await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'))) as ElementHandle<HTMLInputElement>;

describe('submit page limits', () => {
  it("refuses a file past the master's image limit without sending it, saying its size and the limit", async () => {
    // An image padded to 2 MB: on a phone's uplink, sending it whole only to hear "too large" takes minutes.
    const large = path.join(ui.scratch, 'holiday.jpg');
    fs.writeFileSync(large, Buffer.concat([fs.readFileSync(smallImage.path), Buffer.alloc(2_000_000 - fs.statSync(smallImage.path).size, 1)]));
    const { page } = await ui.open('/submit');
    const uploads: string[] = [];
    page.on('request', (request) => void (request.method() === 'POST' && request.url().endsWith('/api/jobs') && uploads.push(request.url())));
    await (await fileInput(page)).uploadFile(large);
    const [item] = await waitForTexts(page, inApp('upload-item'), (texts) => texts[0]?.includes('not uploaded') ?? false, 'the refusal');
    expect(item).toContain('Too large: this file is 2.0 MB, larger than the limit of 180 kB.');
    expect(uploads).toEqual([]);
  });

  it('gives an upload up once the master answers nothing for API_TIMEOUT_MS, and offers to retry it', async () => {
    const { page, watch } = await openPage(ui.browser, `http://127.0.0.1:${proxy.port}`, '/submit');
    // The upload given up is the page's doing, and the live stream dies with the proxy.
    watch.expect((url, status) => status === 'failed' && (url.endsWith('/api/jobs') || url.endsWith('/api/events')));
    try {
      const input = await fileInput(page);
      await input.uploadFile(threeImages[0]!.path);
      await waitForTexts(page, inApp('submit-page', '.counts'), (texts) => /^1 of 1 image uploaded/.test(texts[0] ?? ''), 'the first upload');
      proxy.stall();
      await input.uploadFile(threeImages[1]!.path);
      const items = await waitForTexts(
        page,
        inApp('upload-item'),
        (texts) => texts[1]?.includes('not uploaded') ?? false,
        'the upload given up',
        API_TIMEOUT_MS + 30_000,
      );
      expect(items[1]).toContain(`The master did not answer within ${API_TIMEOUT_MS / 1000} s. Retry, or try again later.`);
      await waitForElement(page, inApp('upload-item', `button[aria-label="Retry uploading ${threeImages[1]!.file}"]`));
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
