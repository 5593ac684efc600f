// The flags a Chromium worker browser gets.
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
