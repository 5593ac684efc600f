// A model in more weight files than a browser opens connections to one HTTP/1.1 host (six), in real Chromium against a
// real master behind a proxy that sends the files slowly. TF.js asks for every file at once, so the seventh and later
// wait, receiving nothing, until one of the first six is done. A download that makes steady progress overall must
// load without being given up as stalled, however long the files at the back of the queue wait; one that truly
// receives nothing for MODEL_STALL_MS must still be given up and tried again (found by review: the guard timed each
// file on its own, so a healthy download whose first six files took longer than MODEL_STALL_MS failed, again and again).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { MODEL_STALL_MS } from '../../web/src/worker-runtime/stall-guard.ts';
import { pacedProxy, type PacedProxy } from '../support/paced-proxy.ts';
import { defaultModelDir } from '../support/paths.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const SHARDS = 10;

/** The shipped model with its weights cut into SHARDS files (one group: TF.js joins a group's files, then slices them). */
function reshardedModel(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-model-shards-'));
  const modelJson = JSON.parse(fs.readFileSync(path.join(defaultModelDir, 'model.json'), 'utf8')) as {
    weightsManifest: { paths: string[]; weights: unknown[] }[];
  };
  expect(modelJson.weightsManifest).toHaveLength(1);
  const group = modelJson.weightsManifest[0]!;
  const weights = Buffer.concat(group.paths.map((file) => fs.readFileSync(path.join(defaultModelDir, file))));
  const size = Math.ceil(weights.length / SHARDS);
  group.paths = Array.from({ length: SHARDS }, (_, i) => `group1-shard${i + 1}of${SHARDS}.bin`);
  group.paths.forEach((file, i) => fs.writeFileSync(path.join(dir, file), weights.subarray(i * size, (i + 1) * size)));
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  return dir;
}

const modelDir = reshardedModel();
const ui = useUiHarness({ master: { modelDir } });
const isShard = (pathname: string) => pathname.startsWith('/models/') && pathname.endsWith('.bin');
let proxy: PacedProxy;
let context: BrowserContext | undefined;

beforeAll(async () => {
  const { hostname, port } = new URL(ui.master.url);
  proxy = await pacedProxy({ host: hostname, port: Number(port) }, isShard, { kind: 'flowing' });
});

afterEach(async () => {
  await context?.close();
  context = undefined;
  proxy.forget();
});

afterAll(async () => {
  await proxy?.close();
  fs.rmSync(modelDir, { recursive: true, force: true });
});

/** A worker page through the proxy, in a context of its own (no model cached by another test). */
async function workerPage(name: string): Promise<{ page: Page; errors: string[] }> {
  context = await ui.browser.createBrowserContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
  await page.goto(`${proxy.url}/worker?autostart=1&name=${name}`, { waitUntil: 'domcontentloaded' });
  return { page, errors };
}

it(
  'loads a model in more than six files sent slowly but steadily, though the files at the back wait longer than MODEL_STALL_MS',
  async () => {
    // Each file takes 1.2 × MODEL_STALL_MS, a piece every half second: the last four wait that long for a connection.
    const everyMs = 500;
    proxy.pace = { kind: 'steady', everyMs, pieces: Math.ceil((1.2 * MODEL_STALL_MS) / everyMs) };
    const { page, errors } = await workerPage('slow-shards');

    await page.waitForFunction(() => ['ready', 'error'].includes(window.__gridWorker?.state ?? ''), { timeout: 3 * MODEL_STALL_MS + 60_000, polling: 200 });
    expect(await page.evaluate(() => window.__gridWorker?.lastError)).toBeNull();
    expect(await page.evaluate(() => window.__gridWorker?.state)).toBe('ready');
    expect(errors).toEqual([]);
    // Each file asked for once: no try given up and begun again.
    expect(proxy.requests.map((request) => request.path.split('/').pop()).sort()).toEqual(
      Array.from({ length: SHARDS }, (_, i) => `group1-shard${i + 1}of${SHARDS}.bin`).sort(),
    );
    // What the test is about: six at a time, and the seventh received nothing for longer than MODEL_STALL_MS.
    expect(proxy.mostAtOnce).toBe(6);
    const asked = proxy.requests.map((request) => request.askedAt).sort((a, b) => a - b);
    expect(asked[6]! - asked[0]!).toBeGreaterThan(MODEL_STALL_MS);
  },
  3 * MODEL_STALL_MS + 90_000,
);

it(
  'still gives up a download of many files that receives nothing at all for MODEL_STALL_MS, and loads the model once it flows',
  async () => {
    proxy.pace = { kind: 'stalled', pieces: 20 };
    const { page } = await workerPage('stalled-shards');

    await page.waitForFunction(() => window.__gridWorker?.state === 'error', { timeout: MODEL_STALL_MS + 60_000 });
    expect(await page.evaluate(() => window.__gridWorker?.lastError)).toBe(`the model download received nothing for ${MODEL_STALL_MS / 1000} s`);
    // The first six had begun and stopped; the rest never got a connection.
    expect(proxy.mostAtOnce).toBeGreaterThanOrEqual(6);

    proxy.pace = { kind: 'flowing' };
    await page.waitForFunction(() => window.__gridWorker?.state === 'ready', { timeout: 90_000 });
  },
  MODEL_STALL_MS + 180_000,
);
