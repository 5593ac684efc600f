// Which browsers the fleet can run, where their executables are, and how each is launched.
import { accessSync, constants, statSync } from 'node:fs';
import puppeteer, { type Browser, type LaunchOptions } from 'puppeteer-core';
import { chromiumArgs } from './chromium.ts';

export const BROWSER_NAMES = ['chromium', 'firefox'] as const;
export type BrowserName = (typeof BROWSER_NAMES)[number];

interface BrowserInstall {
  label: string;
  defaultPath: string;
  envVar: string;
  /** The Debian/Ubuntu package that provides defaultPath. */
  debianPackage: string;
  flag: string;
}

export const BROWSER_INSTALLS: Record<BrowserName, BrowserInstall> = {
  chromium: { label: 'Chromium', defaultPath: '/usr/bin/chromium', envVar: 'CHROMIUM_PATH', debianPackage: 'chromium', flag: '--chromium' },
  firefox: { label: 'Firefox', defaultPath: '/usr/bin/firefox-esr', envVar: 'FIREFOX_PATH', debianPackage: 'firefox-esr', flag: '--firefox' },
};

type PathSource = 'option' | 'env' | 'default';

export class BrowserNotFoundError extends Error {
  constructor(browser: BrowserName, path: string, source: PathSource) {
    const { label, envVar, debianPackage, flag } = BROWSER_INSTALLS[browser];
    const where = source === 'option' ? `given with ${flag}` : source === 'env' ? `from ${envVar}` : 'the default';
    super(
      `${label} not found or not executable at ${path} (${where}). ` +
        `Install it with "apt-get install ${debianPackage}" on Debian/Ubuntu, ` +
        `or point ${envVar} (or ${flag}) at a ${label} executable.`,
    );
    this.name = 'BrowserNotFoundError';
  }
}

export interface BrowserLookup {
  /** Explicit path (the --chromium / --firefox flag); wins over the environment. */
  explicitPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  isExecutable?: (path: string) => boolean;
}

/** Picks the flag's path, then the browser's environment variable, then the Debian default; throws if it can't be run. */
export function resolveBrowserPath(browser: BrowserName, lookup: BrowserLookup = {}): string {
  const { explicitPath, env = process.env, isExecutable = canExecute } = lookup;
  const { envVar, defaultPath } = BROWSER_INSTALLS[browser];
  const [path, source]: [string, PathSource] = explicitPath ? [explicitPath, 'option'] : env[envVar] ? [env[envVar], 'env'] : [defaultPath, 'default'];
  if (!isExecutable(path)) throw new BrowserNotFoundError(browser, path, source);
  return path;
}

/**
 * Firefox preferences for an unattended worker: no first-run pages, updates or telemetry, and timers in
 * a page nobody looks at run at full speed (Firefox throttles them otherwise, as Chromium does without its flags).
 */
const FIREFOX_WORKER_PREFS = {
  'dom.min_background_timeout_value': 0,
  'dom.timeout.enable_budget_timer_throttling': false,
  'app.update.auto': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
};

/** Puppeteer launch options for one worker browser with its own throwaway profile; extraArgs go last. */
export function browserLaunchOptions(browser: BrowserName, executablePath: string, profileDir: string, extraArgs: readonly string[] = []): LaunchOptions {
  if (browser === 'firefox') {
    // Firefox speaks WebDriver BiDi over a socket (no pipe); puppeteer adds the profile and remote-debugging flags.
    return { browser: 'firefox', executablePath, headless: true, userDataDir: profileDir, args: [...extraArgs], extraPrefsFirefox: FIREFOX_WORKER_PREFS };
  }
  return { browser: 'chrome', executablePath, args: chromiumArgs(profileDir, extraArgs), ignoreDefaultArgs: true, pipe: true };
}

/**
 * Launches a browser with puppeteer, its pipes guarded. Puppeteer stops listening for errors on the browser's
 * pipes when it disconnects; a browser that exits after that with commands it never read (one sent while it was
 * closing, or killed) resets its pipe, and the unheard 'error' would be an uncaught exception in our process.
 */
export async function launchBrowser(options: LaunchOptions): Promise<Browser> {
  const browser = await puppeteer.launch(options);
  for (const stream of browser.process()?.stdio ?? []) stream?.on('error', () => undefined);
  return browser;
}

function canExecute(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
