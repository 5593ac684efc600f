// One life of one worker: a browser (Chromium or Firefox) with a throwaway profile showing the
// worker page. It reports what the page says and when the browser or page dies;
// deciding what to do about it is the supervisor's job.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'puppeteer-core';
import type { Logger } from 'pino';
import { browserLaunchOptions, launchBrowser, type BrowserName } from './browsers.ts';
import { removeSingletonSocketDir } from './chromium.ts';
import { killWithThisProcess } from './orphan-guard.ts';
import { parsePageStatus, READ_PAGE_STATUS_SCRIPT, type PageStatus } from './page-status.ts';

export const PROFILE_DIR_PREFIX = 'grid-worker-';
/** A file in each profile naming the host whose fleet made it: Firefox's lock names an address, not the host. */
export const PROFILE_HOST_FILE = 'grid-worker-host';

const LAUNCH_TIMEOUT_MS = 30_000;
const INITIAL_TAB_TIMEOUT_MS = 5_000;
const PAGE_OPEN_TIMEOUT_MS = 10_000;
const PAGE_LOAD_TIMEOUT_MS = 30_000;
const BROWSER_CLOSE_TIMEOUT_MS = 5_000;
/** One read of the page's status; a read can hang for good (a page whose main thread never yields, a lost execution context). */
const STATUS_READ_TIMEOUT_MS = 10_000;
/** Extra time given to a Puppeteer call that has its own timeout before we stop waiting for it. */
const TIMEOUT_MARGIN_MS = 2_000;

export interface HeadlessWorkerOptions {
  name: string;
  pageUrl: string;
  /** The master's FLEET_TOKEN: added to the page URL's fragment at navigation only (never logged, never sent to the server in a request line). */
  fleetToken?: string;
  browser: BrowserName;
  executablePath: string;
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
  /** When the page last told us its status (or finished loading, before its first status). */
  #heardAt = Date.now();
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #dead = false;
  /** Takes back the order to kill the browser should this process die first (orphan-guard.ts). */
  #unguard: (() => void) | undefined;
  readonly #abort = new AbortController();

  constructor(private readonly options: HeadlessWorkerOptions) {}

  /** The browser's main process, or undefined before launch. */
  get pid(): number | undefined {
    return this.#browser?.process()?.pid;
  }

  get pageStatus(): PageStatus | undefined {
    return this.#pageStatus;
  }

  /** How long the loaded page has gone without telling us its status: a page that stays silent is hung. */
  get silentForMs(): number {
    return Date.now() - this.#heardAt;
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
    const { name, browser: browserName, executablePath, extraArgs, pageUrl, fleetToken } = this.options;
    const signal = this.#abort.signal;
    this.#userDataDir = await mkdtemp(join(tmpdir(), `${PROFILE_DIR_PREFIX}${name}-`));
    await writeFile(join(this.#userDataDir, PROFILE_HOST_FILE), hostname());
    signal.throwIfAborted();
    // Puppeteer SIGKILLs the browser when `signal` aborts, but a launch interrupted that way does not
    // always settle: its wait for the first tab ignores both the signal and the dead connection and
    // sits out its whole timeout. So the launch does not wait for that tab (we do, below, abortably),
    // and we stop waiting for the launch itself as soon as close() aborts.
    const launching = launchBrowser({
      ...browserLaunchOptions(browserName, executablePath, this.#userDataDir, extraArgs),
      defaultViewport: null,
      // Puppeteer's own handlers would kill browsers and exit mid-shutdown; the CLI handles signals.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      timeout: LAUNCH_TIMEOUT_MS,
      waitForInitialPage: false,
      signal,
    });
    let browser: Browser;
    try {
      browser = await bounded(launching, `launching ${browserName}`, LAUNCH_TIMEOUT_MS + TIMEOUT_MARGIN_MS, signal);
    } catch (err) {
      // A browser that comes up after we stopped waiting for it must not outlive us.
      launching.then(discardBrowser, () => undefined);
      throw err;
    }
    this.#browser = browser;
    if (this.pid !== undefined) this.#unguard = killWithThisProcess(this.pid);
    signal.throwIfAborted();
    // Also stops the waits below when the browser dies while we are still starting.
    const disconnected = new AbortController();
    browser.once('disconnected', () => {
      disconnected.abort(new Error('browser disconnected while starting'));
      this.#die('browser disconnected (its process exited or was killed)');
    });
    if (!browser.connected) disconnected.abort(new Error('browser disconnected while starting'));
    const starting = AbortSignal.any([signal, disconnected.signal]);

    const page = await bounded(this.#openPage(browser, starting), 'opening the worker tab', PAGE_OPEN_TIMEOUT_MS, starting);
    this.#watch(page);
    const response = await bounded(
      hidingSecrets(page.goto(withFleetToken(pageUrl, fleetToken), { waitUntil: 'domcontentloaded', timeout: PAGE_LOAD_TIMEOUT_MS }), pageUrl, fleetToken),
      `loading ${withoutPassword(pageUrl)}`,
      PAGE_LOAD_TIMEOUT_MS + TIMEOUT_MARGIN_MS,
      starting,
    );
    if (response && !response.ok()) {
      throw new Error(`worker page ${withoutPassword(pageUrl)} answered HTTP ${response.status()} ${response.statusText()}`);
    }
    this.#heardAt = Date.now();
    void this.#pollPageStatus(page);
  }

  /** The tab the browser opens at startup, or a new one if it has none. */
  async #openPage(browser: Browser, signal: AbortSignal): Promise<Page> {
    const target = await browser
      .waitForTarget((t) => t.type() === 'page', { timeout: INITIAL_TAB_TIMEOUT_MS, signal })
      .catch((err: unknown) => {
        signal.throwIfAborted();
        this.options.logger.debug({ err }, 'no initial tab; opening one');
        return undefined;
      });
    return (await target?.page()) ?? (await browser.newPage());
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
        const status = parsePageStatus(await bounded(page.evaluate(READ_PAGE_STATUS_SCRIPT), 'reading the page status', STATUS_READ_TIMEOUT_MS, signal));
        if (status) {
          this.#pageStatus = status;
          this.#heardAt = Date.now();
        }
      } catch {
        // Navigating, dying or hung: the death handlers report dying, the supervisor a page silent for too long.
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
    this.#abort.abort(new Error('worker closing'));
    // Closing the browser first interrupts a page load that start() may be waiting on.
    await this.#closeBrowser();
    await this.#starting?.catch(() => undefined);
    await this.#closeBrowser(); // start() may have launched it while we were closing
    if (this.pid !== undefined) killProcessGroup(this.pid);
    this.#unguard?.();
    if (this.#userDataDir) {
      await removeSingletonSocketDir(this.#userDataDir);
      // Retries cover helpers that were still writing to the profile when killed.
      await rm(this.#userDataDir, { recursive: true, force: true, maxRetries: 5 });
    }
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
 * Settles like `promise`, or rejects once `signal` aborts or `timeoutMs` passes, whichever comes first.
 * For Puppeteer calls that may never settle; a late rejection of `promise` is swallowed.
 */
export async function bounded<T>(promise: Promise<T>, what: string, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  signal?.throwIfAborted();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
        onAbort = () => reject(signal?.reason ?? new Error(`${what} aborted`));
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Closes a browser nobody uses any more, and makes sure its processes are gone. */
async function discardBrowser(browser: Browser): Promise<void> {
  const pid = browser.process()?.pid;
  await bounded(browser.close(), 'closing an abandoned browser', BROWSER_CLOSE_TIMEOUT_MS).catch(() => undefined);
  if (pid !== undefined) killProcessGroup(pid);
}

/**
 * The browser's helpers (Chromium's renderer, GPU and zygote; Firefox's content processes) share its
 * process group and can outlive a SIGKILLed browser; this finishes them off.
 */
function killProcessGroup(leaderPid: number): void {
  try {
    process.kill(-leaderPid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** The page URL with the fleet token in its fragment, which the worker page reads and removes from the address bar. */
export function withFleetToken(pageUrl: string, fleetToken: string | undefined): string {
  if (!fleetToken) return pageUrl;
  const url = new URL(pageUrl);
  url.hash = new URLSearchParams({ 'fleet-token': fleetToken }).toString();
  return url.toString();
}

/**
 * Rejects like `promise`, but with the fleet token and the password of the page's URL taken out of the message:
 * Puppeteer's navigation errors end "at <url>", credentials and fragment and all.
 */
async function hidingSecrets<T>(promise: Promise<T>, pageUrl: string, fleetToken: string | undefined): Promise<T> {
  try {
    return await promise;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hidden = withoutPassword(fleetToken ? withoutFleetToken(message, fleetToken) : message, pageUrl);
    if (hidden === message) throw err;
    // eslint-disable-next-line preserve-caught-error -- the cause is the error that names a secret
    throw new Error(hidden);
  }
}

/**
 * `text` with the password of `url` (a master behind basic authentication) replaced by "***", wherever it names it;
 * by default `text` is that URL.
 */
export function withoutPassword(text: string, url: string = text): string {
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    return text;
  }
  return password ? text.replaceAll(`:${password}@`, ':***@') : text;
}

/** `text` with the fleet token, as given and as withFleetToken encodes it, replaced by a placeholder. */
export function withoutFleetToken(text: string, fleetToken: string): string {
  const encoded = new URLSearchParams({ t: fleetToken }).toString().slice('t='.length);
  return text.replaceAll(fleetToken, '<fleet token>').replaceAll(encoded, '<fleet token>');
}
