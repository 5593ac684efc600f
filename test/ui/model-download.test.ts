// A worker page whose model download goes wrong, in real Chromium against a real master: the page must say so and try
// again with backoff, never sit in 'loading' for good or take a description of the model it cannot use, where neither a person nor the fleet sees anything wrong (found
// by audit: a model file whose download stalled, as on a connection lost without a close, held the page there forever).
import type { BrowserContext, HTTPRequest, Page } from 'puppeteer-core';
import { afterEach, expect, it } from 'vitest';
import { MODEL_STALL_MS } from '../../web/src/worker-runtime/stall-guard.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();
let context: BrowserContext | undefined;

afterEach(async () => {
  await context?.close();
  context = undefined;
});

/**
 * A page in a context of its own (no model cached by another test, so the model comes over the network) whose
 * requests to paths starting with `prefix` go to `intercept`.
 */
async function freshPage(intercept: (request: HTTPRequest) => void, prefix = '/models/'): Promise<Page> {
  context = await ui.browser.createBrowserContext();
  const page = await context.newPage();
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.isInterceptResolutionHandled()) return;
    if (new URL(request.url()).pathname.startsWith(prefix)) intercept(request);
    else void request.continue();
  });
  return page;
}

it('gives up a model download that stalls, says so, and loads the model once the download flows again', async () => {
  let stalling = true;
  const page = await freshPage((request) => {
    // Left unanswered: the request hangs as one on a dead connection does.
    if (stalling && !request.url().endsWith('/model.json')) return;
    void request.continue();
  });
  await page.goto(`${ui.master.url}/worker?autostart=1&name=stalled-download`, { waitUntil: 'domcontentloaded' });

  await page.waitForFunction(() => window.__gridWorker?.state === 'error', { timeout: MODEL_STALL_MS + 60_000 });
  expect(await page.evaluate(() => window.__gridWorker?.lastError)).toBe(`the model download received nothing for ${MODEL_STALL_MS / 1000} s`);

  stalling = false;
  await page.waitForFunction(() => window.__gridWorker?.state === 'ready', { timeout: 90_000 });
});

it('shows why a model file the master fails to serve cannot load, and asks again ever more slowly', async () => {
  let missing = true;
  let asked = 0;
  const page = await freshPage((request) => {
    if (!request.url().endsWith('/model.json')) return void request.continue();
    asked++;
    if (missing) void request.respond({ status: 404, contentType: 'application/json', body: '{"error":{"code":"not-found","message":"no such file"}}' });
    else void request.continue();
  });
  await page.goto(`${ui.master.url}/worker?autostart=1&name=missing-model`, { waitUntil: 'domcontentloaded' });

  await page.waitForFunction(() => window.__gridWorker?.state === 'error', { timeout: 60_000 });
  expect(await page.evaluate(() => window.__gridWorker?.lastError)).toMatch(/model\.json failed with status code 404/);
  // Backoff from 0.5 s doubling to 10 s: a handful of tries in 15 s, where a tight loop would make thousands.
  const before = asked;
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  expect(asked - before).toBeGreaterThanOrEqual(1);
  expect(asked - before).toBeLessThanOrEqual(6);

  missing = false;
  await page.waitForFunction(() => window.__gridWorker?.state === 'ready', { timeout: 90_000 });
});

it('refuses a model description it cannot use, saying what is wrong, rather than failing every job later', async () => {
  const view = (await fetch(`${ui.master.url}/api/model`).then((response) => response.json())) as Record<string, unknown>;
  delete view.inputRange; // a master of another version, or a proxy's rewrite: the page would fail on every image
  let served = 0;
  const page = await freshPage((request) => {
    served++;
    void request.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(view) });
  }, '/api/model');
  await page.goto(`${ui.master.url}/worker?autostart=1&name=bad-model-view`, { waitUntil: 'domcontentloaded' });

  await page.waitForFunction(() => ['error', 'ready'].includes(window.__gridWorker?.state ?? ''), { timeout: 90_000 });
  expect(await page.evaluate(() => window.__gridWorker?.state)).toBe('error');
  expect(await page.evaluate(() => window.__gridWorker?.lastError)).toMatch(/^the master's model description is not usable: .*inputRange/s);
  expect(served).toBeGreaterThanOrEqual(1);
});
