// Where the worker page's own thread goes per image, from a CPU profile of it (Chrome DevTools Protocol) while it
// classifies images from a real master: in the model (the WASM backend predicts on this thread), elsewhere (the
// page's JavaScript, TF.js's kernel dispatch, the browser's work for the page, garbage collection) and idle. The
// in-page stages time each image from its start to its end; this also counts what the thread does between and
// around them, which is time taken from the model.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Protocol } from 'puppeteer-core';
import { browserLaunchOptions, launchBrowser, resolveBrowserPath } from '../headless-worker/browsers.ts';
import { workerPageUrl } from '../headless-worker/fleet.ts';
import { withFleetToken } from '../headless-worker/headless-worker.ts';
import { makeConfig } from '../master/config.ts';
import type { PreparedImage } from '../master/images/prepared-image.ts';
import { startMaster } from '../master/server.ts';
import { submitAndWait } from './browser-run.ts';
import { newJob } from './uploaded-files.ts';

/** Jobs classified before the profile starts: the model compiled and warm, the page's credit sized. */
const WARM_UP_JOBS = 20;

export interface PageThread {
  images: number;
  /** The backend the page chose. */
  backend: string;
  /** The profile's length, ms: first submission to last result. */
  wallMs: number;
  /** In the model's WebAssembly. */
  modelMs: number;
  /** Busy outside it. */
  otherMs: number;
  idleMs: number;
}

/** One headless Chromium worker page, as the fleet opens it, classifies `images` (prepared), its thread profiled throughout. */
export async function profilePageThread(images: PreparedImage[], { modelDir }: { modelDir?: string } = {}): Promise<PageThread> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-thread-'));
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'page-thread-profile-'));
  const fleetToken = randomBytes(24).toString('base64url');
  const master = await startMaster(makeConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', fleetToken, ...(modelDir ? { modelDir } : {}) }));
  const browser = await launchBrowser(browserLaunchOptions('chromium', resolveBrowserPath('chromium'), profileDir));
  const jobs = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      ...newJob(`${i}.webp`, images[i % images.length]!.contentType, images[i % images.length]!.bytes),
      prepared: images[i % images.length],
    }));
  try {
    const page = await browser.newPage();
    await page.goto(withFleetToken(workerPageUrl(master.url, 'page-thread'), fleetToken), { waitUntil: 'domcontentloaded' });
    await submitAndWait(master, jobs(WARM_UP_JOBS));
    const cdp = await page.createCDPSession();
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
    const started = performance.now();
    await submitAndWait(master, jobs(images.length));
    const wallMs = performance.now() - started;
    const { profile } = await cdp.send('Profiler.stop');
    // A string: the production build type-checks this file without the DOM's types.
    const backend = (await page.evaluate('window.__gridWorker?.backend ?? "unknown"')) as string;
    return { images: images.length, backend, wallMs, ...threadTime(profile) };
  } finally {
    await browser.close();
    await master.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}

/** The profile's samples, by where the thread was: the model's WebAssembly, idle, or anything else. */
export function threadTime(profile: Protocol.Profiler.Profile): Pick<PageThread, 'modelMs' | 'otherMs' | 'idleMs'> {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const time = { modelMs: 0, otherMs: 0, idleMs: 0 };
  const samples = profile.samples!;
  const deltas = profile.timeDeltas!;
  const lastAt = profile.startTime + deltas.reduce((a, b) => a + b, 0);
  samples.forEach((id, i) => {
    // timeDeltas[i] is the gap before sample i; a sample holds the time up to the next one (as DevTools counts it),
    // the last one up to the profile's end.
    const us = i + 1 < samples.length ? (deltas[i + 1] ?? 0) : Math.max(0, profile.endTime - lastAt);
    const ms = us / 1000;
    const frame = nodes.get(id)!;
    if (frame.functionName === '(idle)') time.idleMs += ms;
    else if (frame.url.endsWith('.wasm') || frame.url.startsWith('wasm://')) time.modelMs += ms;
    else time.otherMs += ms;
  });
  return time;
}
