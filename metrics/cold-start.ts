// Page open → first result, as a fleet worker or a volunteer sees it: a job waits at a master, a fresh
// Chromium profile opens the worker page (nothing cached: the model comes over the network), and the
// clock stops when the page has sent its result. Then the same profile opens the page again (the model
// now from IndexedDB, see web/src/worker-runtime/model.ts), with the next job waiting.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { browserLaunchOptions, launchBrowser, resolveBrowserPath } from '../headless-worker/browsers.ts';
import { workerPageUrl } from '../headless-worker/fleet.ts';
import { withFleetToken } from '../headless-worker/headless-worker.ts';
import { makeConfig } from '../master/config.ts';
import { startMaster, type Master } from '../master/server.ts';
import { newJob } from './uploaded-files.ts';

export interface ColdStart {
  /** Page open → first result sent, ms, with an empty profile (model downloaded) and then the same profile (model cached). */
  emptyCacheMs: number;
  warmCacheMs: number;
  /** Model files the page fetched each time: the whole model, then none when the cache works. */
  modelRequests: [number, number];
}

/** `rounds` fresh profiles, each opening the worker page twice; the master serves its default model, or `modelDir`'s. */
export async function measureColdStarts(image: string, { rounds, modelDir }: { rounds: number; modelDir?: string }): Promise<ColdStart[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cold-start-'));
  const fleetToken = randomBytes(24).toString('base64url');
  const config = makeConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', fleetToken, ...(modelDir ? { modelDir } : {}) });
  const master = await startMaster(config).catch((error: unknown) => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  try {
    const prepared = await master.preparer.prepare(image);
    const bytes = fs.readFileSync(image);
    const url = withFleetToken(workerPageUrl(master.url, 'cold-start'), fleetToken);
    const runs: ColdStart[] = [];
    for (let round = 0; round < rounds; round++) {
      const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cold-start-profile-'));
      const browser = await launchBrowser(browserLaunchOptions('chromium', resolveBrowserPath('chromium'), profileDir));
      try {
        const empty = await firstResult(browser, master, url, async () => master.lifecycle.submit([{ ...newJob('cold.jpg', 'image/jpeg', bytes), prepared }]));
        const warm = await firstResult(browser, master, url, async () => master.lifecycle.submit([{ ...newJob('warm.jpg', 'image/jpeg', bytes), prepared }]));
        runs.push({ emptyCacheMs: empty.ms, warmCacheMs: warm.ms, modelRequests: [empty.modelRequests, warm.modelRequests] });
      } finally {
        await browser.close();
        fs.rmSync(profileDir, { recursive: true, force: true });
      }
    }
    return runs;
  } finally {
    await master.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** With one job waiting (submitted by `submit`), opens the worker page in a new tab and times it to its first result. */
async function firstResult(browser: Browser, master: Master, url: string, submit: () => Promise<unknown>): Promise<{ ms: number; modelRequests: number }> {
  await submit();
  const page = await browser.newPage();
  let modelRequests = 0;
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/models/')) modelRequests++;
  });
  const started = performance.now();
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  // A string: the production build type-checks this file without the DOM's types.
  await page.waitForFunction('(window.__gridWorker?.jobsDone ?? 0) >= 1', { timeout: 180_000, polling: 10 });
  const ms = performance.now() - started;
  await page.close();
  // Gone from the master before the next job is submitted, so it cannot be pushed to this closing page.
  for (;;) {
    const { workers } = (await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: unknown[] };
    if (workers.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { ms, modelRequests };
}
