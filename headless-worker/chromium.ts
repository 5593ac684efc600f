// The flags a Chromium worker browser gets, and the temp dir it leaves outside its profile.
import { readlink, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

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

/** The full command line for one worker browser; extraArgs go last so they can add features. */
export function chromiumArgs(userDataDir: string, extraArgs: readonly string[] = []): string[] {
  return [...WORKER_FLAGS, `--user-data-dir=${userDataDir}`, ...extraArgs];
}

/** The dir Chromium (or Chrome) makes under TMPDIR for its singleton socket: mkdtemp's six random characters. */
const SINGLETON_SOCKET_DIR = /^(org\.chromium\.Chromium|com\.google\.Chrome)\.[A-Za-z0-9]{6}$/;

/**
 * Removes the dir under TMPDIR that holds the singleton socket of the Chromium that used `profileDir` (linked from
 * it as SingletonSocket): Chromium leaves it behind when killed or closed over CDP. It stays under TMPDIR, as
 * Chromium makes it, because a socket in the profile could outgrow the 107 bytes a socket's path may have, and
 * Chromium exits then.
 */
export async function removeSingletonSocketDir(profileDir: string): Promise<void> {
  let socket: string;
  try {
    socket = resolve(profileDir, await readlink(join(profileDir, 'SingletonSocket')));
  } catch {
    return; // no link: Firefox's profile, or a Chromium killed before it made one
  }
  const dir = dirname(socket);
  if (SINGLETON_SOCKET_DIR.test(basename(dir))) await rm(dir, { recursive: true, force: true });
}
