// The worker page's classifier alone (web/standalone.html) in headless Chromium: the same images
// classified in a loop with no master in the loop, the yardstick for the grid's end-to-end rate.
// Several pages at once (`pages`) are the yardstick for several workers on the same cores: each in its
// own browser process, as each fleet worker is, so they share the machine as the grid's pages do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import type { StandaloneRun, StandaloneWindow } from '../common/standalone-classifier.ts';
import { browserLaunchOptions, launchBrowser, resolveBrowserPath } from '../headless-worker/browsers.ts';
import { removeSingletonSocketDir } from '../headless-worker/chromium.ts';
import { makeConfig } from '../master/config.ts';
import type { KnownBackend } from '../master/protocol.ts';
import { startMaster } from '../master/server.ts';

/** An image file, or encoded bytes held in memory (e.g. a fresh re-encoding). */
export type StandaloneImage = { path: string } | { bytes: Uint8Array; type: string };

export interface StandaloneResult extends StandaloneRun {
  /** The backend of every page (several, comma-separated, should pages differ). */
  backend: string;
  /** Pages that classified at once; wallMs runs from the first page's start to the last page's finish. */
  pages: number;
}

export interface StandaloneOptions {
  /** Times over each image is classified. Default 1. */
  rounds?: number;
  backend?: KnownBackend;
  modelDir?: string;
  /** Pages classifying at once, each in its own Chromium, each given every `pages`-th image; started together. Default 1. */
  pages?: number;
  /** Aborting it closes the browsers and the master (the run then throws): a bench stopped by a signal cleans up. */
  signal?: AbortSignal | undefined;
}

type EncodedImage = { base64: string; type: string };
/** Where a page holds its share until all pages are ready to start. */
type StashWindow = StandaloneWindow & { __standaloneImages?: EncodedImage[] };
/** One page's loop, with its start and finish on the wall clock (ms since the epoch) so pages can be set side by side. */
type TimedRun = StandaloneRun & { backend: string; startedAt: number; finishedAt: number };

/**
 * Classifies `images` `rounds` times over in `pages` standalone pages at once; a master only serves the page and the
 * model (its default, or `modelDir`). Answers every image's result in the order of `images` (round after round).
 */
export async function classifyStandalone(
  images: StandaloneImage[],
  { rounds = 1, backend, modelDir, pages = 1, signal }: StandaloneOptions = {},
): Promise<StandaloneResult> {
  if (!Number.isInteger(pages) || pages < 1) throw new RangeError(`pages must be a whole number ≥ 1, not ${pages}`);
  // Stopped already: start no master and no browser only to close them.
  signal?.throwIfAborted();
  const shares = Array.from({ length: pages }, (_, page) => images.filter((_, i) => i % pages === page).map(encode));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'standalone-'));
  const master = await startMaster(makeConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', ...(modelDir && { modelDir }) }));
  try {
    const runs = await runPagesTogether(`${master.url}/standalone.html${backend ? `?backend=${backend}` : ''}`, shares, rounds, signal);
    return {
      backend: [...new Set(runs.map((run) => run.backend))].join(', '),
      pages,
      wallMs: Math.max(...runs.map((run) => run.finishedAt)) - Math.min(...runs.map((run) => run.startedAt)),
      images: interleave(runs, images.length, rounds),
    };
  } finally {
    await master.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function encode(image: StandaloneImage): EncodedImage {
  return 'path' in image
    ? { base64: fs.readFileSync(image.path).toString('base64'), type: 'image/jpeg' }
    : { base64: Buffer.from(image.bytes).toString('base64'), type: image.type };
}

/** Opens one ready page per share, then starts them all at once, so no page's model load overlaps another's loop. */
async function runPagesTogether(url: string, shares: EncodedImage[][], rounds: number, signal?: AbortSignal): Promise<TimedRun[]> {
  const opened = await Promise.allSettled(shares.map((share) => openPage(url, share, signal)));
  const ready = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    const failed = opened.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return await Promise.all(ready.map(({ page }) => runStashed(page, rounds)));
  } finally {
    await Promise.all(ready.map((opened) => opened.close()));
  }
}

/**
 * A browser of its own with the standalone page loaded, its model warm and its share handed in. Aborting `signal`
 * closes it, so what waits on the page throws; with a signal, puppeteer's own signal handlers are left out (its
 * SIGINT one kills the browser and exits at once, leaving the temp folders to the caller that can no longer remove them).
 */
async function openPage(url: string, share: EncodedImage[], signal?: AbortSignal): Promise<{ page: Page; close: () => Promise<void> }> {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'standalone-profile-'));
  let browser: Browser | undefined;
  // One close, awaited by all: the profile is removed only once the browser has exited, not while it writes there.
  let closing: Promise<void> | undefined;
  const closeBrowser = async () => {
    if (browser) await (closing ??= browser.close());
  };
  const closeOnAbort = () => void closeBrowser().catch(() => undefined);
  signal?.addEventListener('abort', closeOnAbort, { once: true });
  const close = async () => {
    signal?.removeEventListener('abort', closeOnAbort);
    await closeBrowser();
    await removeSingletonSocketDir(profileDir); // left under TMPDIR by a Chromium closed as it started
    fs.rmSync(profileDir, { recursive: true, force: true });
  };
  try {
    const options = browserLaunchOptions('chromium', resolveBrowserPath('chromium'), profileDir);
    browser = await launchBrowser(signal ? { ...options, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false } : options);
    signal?.throwIfAborted(); // aborted while it launched
    const page = await browser.newPage();
    const response = await page.goto(url);
    // A page that did not load (the web app not built, say) would otherwise be waited on for minutes.
    if (!response?.ok()) throw new Error(`${url} answered ${response?.status() ?? 'nothing'}: ${(await response?.text()) ?? ''}`);
    await page.waitForFunction(() => (globalThis as StandaloneWindow).__standalone !== undefined, { timeout: 180_000 });
    await page.evaluate((share) => {
      (globalThis as StashWindow).__standaloneImages = share;
    }, share);
    return { page, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function runStashed(page: Page, rounds: number): Promise<TimedRun> {
  return page.evaluate(async (rounds) => {
    const stash = globalThis as StashWindow;
    const standalone = stash.__standalone!;
    const startedAt = performance.timeOrigin + performance.now();
    const run = await standalone.classify(stash.__standaloneImages!, rounds);
    return { backend: standalone.backend, ...run, startedAt, finishedAt: performance.timeOrigin + performance.now() };
  }, rounds);
}

/** Page p held images p, p + pages, …, each round in turn; puts every result back at its image's place. */
function interleave(runs: TimedRun[], count: number, rounds: number): StandaloneRun['images'] {
  const results = new Array<StandaloneRun['images'][number]>(count * rounds);
  runs.forEach((run, page) => {
    const share = Math.ceil((count - page) / runs.length);
    run.images.forEach((result, k) => {
      results[Math.floor(k / share) * count + page + (k % share) * runs.length] = result;
    });
  });
  return results;
}
