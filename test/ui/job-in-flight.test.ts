// The worker page in real Chromium against a real master, with a job taken from its queue and not yet answered: the
// test holds the page's decodes (the messages to its decoding worker) to keep the job there. A job the master takes back
// meanwhile (deleted: a `cancel`) is neither answered nor counted; nor is one whose socket is gone, as no answer can go,
// whether it was classified or failed.
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { clickDeep, inApp, waitForTexts } from '../support/browser.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { ADMIN_TOKEN, threeImages, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

declare global {
  interface Window {
    __holdDecodes?: boolean;
    __releaseDecodes?: () => void;
    __heldDecodes?: () => number;
    /** What went over the page's sockets: the job ids of the results sent, and of the cancels received. */
    __answered?: string[];
    __cancelled?: string[];
    __closeSocket?: () => void;
  }
}

/** Opens the worker page with decodes that can be held and its sockets watched, and starts it. */
async function startWatchedPage(): Promise<Page> {
  const { page } = await ui.open('/worker?name=in-flight');
  await page.evaluateOnNewDocument(() => {
    const held: Array<() => void> = [];
    const post = Worker.prototype.postMessage;
    Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      if (window.__holdDecodes) held.push(() => post.apply(this, args as [unknown]));
      else post.apply(this, args as [unknown]);
    } as Worker['postMessage'];
    window.__heldDecodes = () => held.length;
    window.__releaseDecodes = () => {
      window.__holdDecodes = false;
      for (const send of held.splice(0)) send();
    };
    window.__answered = [];
    window.__cancelled = [];
    const sockets: WebSocket[] = [];
    window.__closeSocket = () => sockets.at(-1)?.close();
    window.WebSocket = class extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        sockets.push(this);
        this.addEventListener('message', ({ data }: MessageEvent) => {
          const message = typeof data === 'string' ? (JSON.parse(data) as { type: string; jobId?: string }) : null;
          if (message?.type === 'cancel') window.__cancelled!.push(message.jobId!);
        });
      }
      override send(data: string) {
        const message = JSON.parse(data) as { type: string; jobId?: string };
        if (message.type === 'result') window.__answered!.push(message.jobId!);
        super.send(data);
      }
    };
  });
  await page.reload({ waitUntil: 'domcontentloaded' });
  await clickDeep(page, inApp('worker-page', '.control button'));
  await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === 'Working: classifying images as they come', 'the page working', 90_000);
  return page;
}

/** Submits one job and waits for the page to have taken it, its decode held. */
async function holdOneJob(page: Page): Promise<string> {
  await page.evaluate(() => (window.__holdDecodes = true));
  const [id] = await submit(ui.master.url, uploadsFrom([threeImages[0]!.path]));
  await until(async () => (await page.evaluate(() => window.__heldDecodes!())) > 0, 'the job taken, its decode held');
  return id!;
}

/** Releases the held decode, then has the page do one more job: the held one was processed before it. */
async function releaseAndDoAnother(page: Page): Promise<void> {
  await page.evaluate(() => window.__releaseDecodes!());
  await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === 'Working: classifying images as they come', 'the page working');
  const [next] = await submit(ui.master.url, uploadsFrom([threeImages[1]!.path]));
  await until(async () => (await page.evaluate(() => window.__answered!)).includes(next!), 'the next job answered');
}

const jobsDone = (page: Page) => page.evaluate(() => window.__gridWorker?.jobsDone);
/** JPEG's first bytes, then nothing an image decoder can read. */
const UNDECODABLE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]);

describe('a job the worker page is processing', () => {
  it('is neither answered nor counted once the master cancels it', async () => {
    const page = await startWatchedPage();
    const id = await holdOneJob(page);
    const deleted = await fetch(`${ui.master.url}/api/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(deleted.status).toBe(204);
    await until(async () => (await page.evaluate(() => window.__cancelled!)).includes(id), 'the cancel at the page');
    await releaseAndDoAnother(page);
    expect(await page.evaluate(() => window.__answered!)).not.toContain(id);
    expect(await jobsDone(page)).toBe(1);
  });

  it('is not counted when its socket is gone', async () => {
    const page = await startWatchedPage();
    const id = await holdOneJob(page);
    await page.evaluate(() => window.__closeSocket!());
    await releaseAndDoAnother(page);
    expect(await page.evaluate(() => window.__answered!)).not.toContain(id);
    expect(await jobsDone(page)).toBe(1);
  });

  it('that fails is not counted when its socket is gone', async () => {
    const page = await startWatchedPage();
    await page.evaluate(() => (window.__holdDecodes = true));
    await ui.master.lifecycle.submit([newJob('broken.jpg', 'image/jpeg', UNDECODABLE)]);
    await until(async () => (await page.evaluate(() => window.__heldDecodes!())) > 0, 'the job taken, its decode held');
    await page.evaluate(() => window.__closeSocket!());
    await releaseAndDoAnother(page);
    expect(await page.evaluate(() => window.__gridWorker!.jobsFailed)).toBe(0);
    expect(await jobsDone(page)).toBe(1);
  });
});
