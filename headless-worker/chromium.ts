// Where the Chromium executable is and which flags it gets.
import { accessSync, constants, statSync } from 'node:fs';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags measured to work for worker pages on this kind of machine (see
 * shared/docs/MEASURED-HERE.md). The renderer/timer flags keep an unseen
 * headless page running inference at full speed instead of being throttled.
 */
const WORKER_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-renderer-backgrounding',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
] as const;

export class ChromiumNotFoundError extends Error {
  constructor(path: string, source: ChromiumPathSource) {
    super(
      `Chromium not found or not executable at ${path} (${SOURCE_LABEL[source]}). ` +
        'Install it with "apt-get install chromium" on Debian/Ubuntu, ' +
        'or point CHROMIUM_PATH (or --chromium) at any Chrome/Chromium executable.',
    );
    this.name = 'ChromiumNotFoundError';
  }
}

type ChromiumPathSource = 'option' | 'env' | 'default';

const SOURCE_LABEL: Record<ChromiumPathSource, string> = {
  option: 'given with --chromium',
  env: 'from CHROMIUM_PATH',
  default: 'the default',
};

export interface ChromiumLookup {
  /** Explicit path (the --chromium flag); wins over the environment. */
  explicitPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  isExecutable?: (path: string) => boolean;
}

/** Picks --chromium, then CHROMIUM_PATH, then the Debian default; throws if it can't be run. */
export function resolveChromiumPath(lookup: ChromiumLookup = {}): string {
  const { explicitPath, env = process.env, isExecutable = canExecute } = lookup;
  const [path, source]: [string, ChromiumPathSource] = explicitPath
    ? [explicitPath, 'option']
    : env.CHROMIUM_PATH
      ? [env.CHROMIUM_PATH, 'env']
      : [DEFAULT_CHROMIUM_PATH, 'default'];
  if (!isExecutable(path)) throw new ChromiumNotFoundError(path, source);
  return path;
}

/** The full command line for one worker browser; extraArgs go last so they can add features. */
export function chromiumArgs(userDataDir: string, extraArgs: readonly string[] = []): string[] {
  return [...WORKER_FLAGS, `--user-data-dir=${userDataDir}`, ...extraArgs];
}

function canExecute(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
