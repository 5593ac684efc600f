// The worker page's classifier alone (web/standalone.html) in headless Chromium: the same images
// classified in a loop with no master in the loop, the yardstick for the grid's end-to-end rate.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import type { StandaloneRun, StandaloneWindow } from '../common/standalone-classifier.ts';
import { browserLaunchOptions, resolveBrowserPath } from '../headless-worker/browsers.ts';
import { makeConfig } from '../master/config.ts';
import type { KnownBackend } from '../master/protocol.ts';
import { startMaster } from '../master/server.ts';

/** An image file, or encoded bytes held in memory (e.g. a fresh re-encoding). */
export type StandaloneImage = { path: string } | { bytes: Uint8Array; type: string };

export interface StandaloneResult extends StandaloneRun {
  backend: string;
}

/** Classifies `images` `rounds` times over in one page; a master only serves the page and the model (its default, or `modelDir`). */
export async function classifyStandalone(
  images: StandaloneImage[],
  { rounds = 1, backend, modelDir }: { rounds?: number; backend?: KnownBackend; modelDir?: string } = {},
): Promise<StandaloneResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'standalone-'));
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'standalone-profile-'));
  const master = await startMaster(makeConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', ...(modelDir && { modelDir }) }));
  const browser = await puppeteer.launch(browserLaunchOptions('chromium', resolveBrowserPath('chromium'), profileDir));
  try {
    const page = await browser.newPage();
    await page.goto(`${master.url}/standalone.html${backend ? `?backend=${backend}` : ''}`);
    await page.waitForFunction(() => (globalThis as StandaloneWindow).__standalone !== undefined, { timeout: 180_000 });
    const encoded = images.map((image) =>
      'path' in image
        ? { base64: fs.readFileSync(image.path).toString('base64'), type: 'image/jpeg' }
        : { base64: Buffer.from(image.bytes).toString('base64'), type: image.type },
    );
    return await page.evaluate(
      async (encoded, rounds) => {
        const standalone = (globalThis as StandaloneWindow).__standalone!;
        return { backend: standalone.backend, ...(await standalone.classify(encoded, rounds)) };
      },
      encoded,
      rounds,
    );
  } finally {
    await browser.close();
    await master.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}
