// The WASM build the worker page loads in real Chromium, by the cores the browser says it has. tfjs gives XNNPACK at
// most half of navigator.hardwareConcurrency threads, so below 4 cores the threaded build runs one thread, and it
// still starts its pool of 8 Web Workers, each loading the WASM module (some 0.5 MB apiece, and start-up time): the
// page then takes the plain SIMD build. From 4 cores on, the threaded one.
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFleetToken } from '../../headless-worker/headless-worker.ts';
import { launchTestBrowser } from '../support/browser.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../support/test-master.ts';

let master: TestMaster;
let browser: Browser;

beforeAll(async () => {
  master = await startTestMaster();
  browser = await launchTestBrowser('chromium');
});

afterAll(async () => {
  await browser?.close();
  await master?.close();
});

interface Loaded {
  /** The WASM files the page fetched, by name. */
  wasmFiles: string[];
  /** Web Workers the page started besides its image decoder: the thread pool's. */
  poolWorkers: number;
  backendReason: string;
}

/** Opens the worker page on a browser claiming `cores`, until its model is ready. */
async function loadWorkerPage(cores: number): Promise<Loaded> {
  const page: Page = await browser.newPage();
  try {
    const wasmFiles: string[] = [];
    page.on('request', (request) => {
      const file = new URL(request.url()).pathname.split('/').pop() ?? '';
      if (file.endsWith('.wasm')) wasmFiles.push(file);
    });
    await page.evaluateOnNewDocument((cores) => {
      Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => cores });
      const started: string[] = [];
      (window as unknown as { __workersStarted: string[] }).__workersStarted = started;
      const NativeWorker = window.Worker;
      window.Worker = class extends NativeWorker {
        constructor(...args: ConstructorParameters<typeof Worker>) {
          super(...args);
          started.push(String(args[0]));
        }
      };
    }, cores);
    await page.goto(withFleetToken(`${master.url}/worker?autostart=1&kind=headless&name=cores-${cores}`, TEST_FLEET_TOKEN), { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => window.__gridWorker?.state === 'ready', { timeout: 90_000 });
    const { workersStarted, backendReason } = await page.evaluate(() => ({
      workersStarted: (window as unknown as { __workersStarted: string[] }).__workersStarted,
      backendReason: window.__gridWorker!.backendReason ?? '',
    }));
    return { wasmFiles, poolWorkers: workersStarted.filter((url) => !url.includes('image-decoder')).length, backendReason };
  } finally {
    await page.close();
  }
}

describe('the WASM build the worker page picks', () => {
  it('takes the plain SIMD build, starting no thread pool, where tfjs would give it one thread', async () => {
    for (const cores of [1, 2, 3]) {
      const loaded = await loadWorkerPage(cores);
      expect(
        loaded.wasmFiles.some((file) => file.includes('threaded')),
        `${cores} cores: ${loaded.wasmFiles.join(', ')}`,
      ).toBe(false);
      expect(loaded.poolWorkers, `${cores} cores`).toBe(0);
      expect(loaded.backendReason).toContain('SIMD, 1 thread');
    }
  });

  it('takes the threaded build where tfjs gives it more than one thread', async () => {
    for (const [cores, threads] of [
      [4, 2],
      [8, 4],
    ]) {
      const loaded = await loadWorkerPage(cores!);
      expect(
        loaded.wasmFiles.some((file) => file.includes('threaded')),
        `${cores} cores: ${loaded.wasmFiles.join(', ')}`,
      ).toBe(true);
      expect(loaded.poolWorkers, `${cores} cores`).toBeGreaterThan(0);
      expect(loaded.backendReason).toContain(`SIMD, ${threads} threads`);
    }
  });
});
