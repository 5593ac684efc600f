// One life of one worker: a Chromium with a throwaway profile showing the
// worker page. It reports what the page says and when the browser or page dies;
// deciding what to do about it is the supervisor's job.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { Logger } from 'pino';
import { chromiumArgs } from './chromium.ts';
import { parsePageStatus, READ_PAGE_STATUS_SCRIPT, type PageStatus } from './page-status.ts';

export const PROFILE_DIR_PREFIX = 'grid-worker-';

const PAGE_LOAD_TIMEOUT_MS = 30_000;
const BROWSER_CLOSE_TIMEOUT_MS = 5_000;

export interface HeadlessWorkerOptions {
  name: string;
  pageUrl: string;
  chromiumPath: string;
  extraArgs?: readonly string[];
  logger: Logger;
  pollIntervalMs: number;
  /** Called after every poll of the page, so the owner can apply its policies. */
  onStatus: (status: PageStatus | undefined) => void;
  /** Called at most once, when the browser or the page dies without being asked to. */
  onDeath: (reason: string) => void;
}

export class HeadlessWorker {
  #browser: Browser | undefined;
  #userDataDir: string | undefined;
  #pageStatus: PageStatus | undefined;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #dead = false;
  readonly #abort = new AbortController();

  constructor(private readonly options: HeadlessWorkerOptions) {}

  /** The browser's main process, or undefined before launch. */
  get pid(): number | undefined {
    return this.#browser?.process()?.pid;
  }

  get pageStatus(): PageStatus | undefined {
    return this.#pageStatus;
  }

  /** Launches the browser and loads the worker page; rejects if either fails. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** Simulates a crash: SIGKILLs the browser's main process, as `kill -9` would. */
  kill(): void {
    if (this.pid === undefined) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // already dead is fine
    }
  }

  /** Closes the browser, kills anything left of it and removes its profile. Safe to call at any time, repeatedly. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #start(): Promise<void> {
    const { name, chromiumPath, extraArgs, pageUrl } = this.options;
    const signal = this.#abort.signal;
    this.#userDataDir = await mkdtemp(join(tmpdir(), `${PROFILE_DIR_PREFIX}${name}-`));
    signal.throwIfAborted();
    this.#browser = await puppeteer.launch({
      executablePath: chromiumPath,
      args: chromiumArgs(this.#userDataDir, extraArgs),
      ignoreDefaultArgs: true,
      pipe: true,
      defaultViewport: null,
      // Puppeteer's own handlers would kill browsers and exit mid-shutdown; the CLI handles signals.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      signal,
    });
    signal.throwIfAborted();
    this.#browser.once('disconnected', () => this.#die('browser disconnected (its process exited or was killed)'));
    const page = (await this.#browser.pages())[0] ?? (await this.#browser.newPage());
    this.#watch(page);
    const response = await page.goto(pageUrl, { waitUntil: 'domcontentloaded', timeout: PAGE_LOAD_TIMEOUT_MS });
    if (response && !response.ok()) {
      throw new Error(`worker page ${pageUrl} answered HTTP ${response.status()} ${response.statusText()}`);
    }
    void this.#pollPageStatus(page);
  }

  #watch(page: Page): void {
    const { logger } = this.options;
    page.once('error', (err) => this.#die(`page crashed: ${err.message}`));
    page.once('close', () => this.#die('page closed'));
    page.on('pageerror', (err) => logger.error({ err }, `page error: ${err instanceof Error ? err.message : String(err)}`));
    page.on('console', (message) => {
      if (message.type() === 'error') logger.warn(`console error: ${message.text()}`);
    });
  }

  async #pollPageStatus(page: Page): Promise<void> {
    const { signal } = this.#abort;
    while (!signal.aborted && !this.#dead) {
      try {
        this.#pageStatus = parsePageStatus(await page.evaluate(READ_PAGE_STATUS_SCRIPT)) ?? this.#pageStatus;
      } catch {
        // Navigating or dying: the death handlers report the latter, the next poll covers the former.
      }
      if (signal.aborted || this.#dead) return;
      this.options.onStatus(this.#pageStatus);
      await sleep(this.options.pollIntervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  #die(reason: string): void {
    if (this.#dead || this.#abort.signal.aborted) return;
    this.#dead = true;
    this.options.onDeath(reason);
  }

  async #close(): Promise<void> {
    this.#abort.abort();
    // Closing the browser first interrupts a page load that start() may be waiting on.
    await this.#closeBrowser();
    await this.#starting?.catch(() => undefined);
    await this.#closeBrowser(); // start() may have launched it while we were closing
    if (this.pid !== undefined) killProcessGroup(this.pid);
    // Retries cover helpers that were still writing to the profile when killed.
    if (this.#userDataDir) await rm(this.#userDataDir, { recursive: true, force: true, maxRetries: 5 });
  }

  async #closeBrowser(): Promise<void> {
    const browser = this.#browser;
    if (!browser) return;
    try {
      await Promise.race([browser.close(), sleep(BROWSER_CLOSE_TIMEOUT_MS, undefined, { ref: false })]);
    } catch (err) {
      this.options.logger.debug({ err }, 'browser close failed; killing its processes');
    }
  }
}

/**
 * Chromium's helpers (renderer, GPU, zygote) share the browser's process group
 * and can outlive a SIGKILLed browser; this finishes them off.
 */
function killProcessGroup(leaderPid: number): void {
  try {
    process.kill(-leaderPid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}
