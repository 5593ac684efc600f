// A master restarted on another model, in a real headless Chromium on the built worker page: the page, refused
// for the model it holds, loads the new one and works on, and while the master keeps refusing what the page loads
// (here: its /api/model answered with another hash, as when masters behind one address serve different models) it
// asks again ever more slowly, not in a tight loop of downloads and warm-ups.
import path from 'node:path';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelView } from '../../master/api-types.ts';
import { launchTestBrowser, openPage, type PageWatch } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { settled, submit, uploadsFrom } from '../support/jobs-client.ts';
import { devImages, sharedDir } from '../support/paths.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../support/test-master.ts';

const otherModelDir = path.join(sharedDir, 'models/mobilenet-v1-025-224-tfhub-graph');
const dataDir = tempDataDir();
let port: number;
let master: TestMaster;
let browser: Browser;
let page: Page;
let watch: PageWatch;

beforeAll(async () => {
  port = await freePort();
  master = await startTestMaster({ dataDir, port });
  browser = await launchTestBrowser('chromium');
  ({ page, watch } = await openPage(browser, master.url, '/worker?autostart=1&name=model-change'));
});

afterAll(async () => {
  await browser?.close();
  await master?.close();
});

const servedModel = async () => (await fetch(`${master.url}/api/model`).then((r) => r.json())) as ModelView;
const pageModel = () => page.evaluate(() => ({ state: window.__gridWorker?.state, hash: window.__gridWorker?.modelHash }));

/** Answers the page's /api/model with the served model under another hash: what it loads, the master refuses. */
function refuseWhatThePageLoads(view: ModelView) {
  const lie = JSON.stringify({ ...view, hash: 'f'.repeat(view.hash.length) });
  return (request: HTTPRequest) =>
    new URL(request.url()).pathname === '/api/model' ? request.respond({ status: 200, contentType: 'application/json', body: lie }) : request.continue();
}

describe('a master restarted on another model', () => {
  it('is refused the old model, asked ever more slowly while refused, and worked for once the page has the new one', async () => {
    const first = (await servedModel()).hash;
    await page.waitForFunction((hash) => window.__gridWorker?.state === 'ready' && window.__gridWorker.modelHash === hash, { timeout: 90_000 }, first);

    await master.close();
    master = await startTestMaster({ dataDir, port, modelDir: otherModelDir, modelInputRange: '0,1' });
    const second = await servedModel();
    expect(second.hash).not.toBe(first);
    await page.setRequestInterception(true);
    const refuse = refuseWhatThePageLoads(second);
    page.on('request', refuse);
    // The master is refusing every model the page loads: reload after reload, the page waits longer; jittered
    // delays double from 0.25-0.5 s, so one of 2 s or more means at least the fourth refusal in a row.
    await page.waitForFunction(() => Number(/loading it in ([\d.]+) s/.exec(window.__gridWorker?.lastError ?? '')?.[1] ?? 0) >= 2, {
      timeout: 60_000,
      polling: 50,
    });
    expect((await pageModel()).state).not.toBe('ready');

    page.off('request', refuse);
    await page.setRequestInterception(false);
    await page.waitForFunction((hash) => window.__gridWorker?.state === 'ready' && window.__gridWorker.modelHash === hash, { timeout: 60_000 }, second.hash);
    const [job] = await settled(master.url, await submit(master.url, uploadsFrom([devImages(1)[0]!.path])), 60_000);
    expect(job!.status).toBe('done');
    expect(job!.result!.model).toBe(second.hash);
    expect(watch.take()).toEqual([]);
  });
});
