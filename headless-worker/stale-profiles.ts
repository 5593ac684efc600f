// The profiles a fleet killed outright (kill -9, the OOM killer) left in TMPDIR: its browsers die with it
// (orphan-guard.ts), but nothing removed their profiles, each holding the cached model, and a fleet restarted
// after every such death would fill TMPDIR. A starting fleet removes them.
import { readdir, readFile, readlink, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeSingletonSocketDir } from './chromium.ts';
import { PROFILE_DIR_PREFIX, PROFILE_HOST_FILE } from './headless-worker.ts';

/** What a sweep did: how many profiles it removed, and those judged stale that it could not remove, each with why. */
export interface ProfileSweep {
  removed: number;
  failed: { profile: string; reason: string }[];
}

/**
 * Removes the worker profiles under `dir` whose browser is dead. A profile is known dead only by its browser's lock
 * naming a process of this machine that no longer runs: Chromium's SingletonLock ("host-pid", judged only when the
 * host is this one: a pid of another host or container means nothing here), Firefox's lock ("address:+pid", judged
 * only where the profile's PROFILE_HOST_FILE names this host, as the lock does not). One
 * without a lock (its browser still starting) or whose browser runs (another fleet's, another user's) stays. Each
 * profile is dealt with on its own: one that cannot be removed (another user's files) is reported and the rest swept.
 */
export async function removeStaleProfiles(dir: string = tmpdir()): Promise<ProfileSweep> {
  const entries = await readdir(dir).catch(() => []);
  const sweep: ProfileSweep = { removed: 0, failed: [] };
  for (const entry of entries.filter((name) => name.startsWith(PROFILE_DIR_PREFIX))) {
    const profile = join(dir, entry);
    const pid = await lockOwner(profile);
    if (pid === undefined || (await isRunning(pid))) continue;
    try {
      await removeSingletonSocketDir(profile);
      await rm(profile, { recursive: true, force: true, maxRetries: 5 });
      sweep.removed++;
    } catch (err) {
      sweep.failed.push({ profile, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return sweep;
}

/** The process the profile's lock names, if it names one of this machine. */
async function lockOwner(profile: string): Promise<number | undefined> {
  const chromium = await readlink(join(profile, 'SingletonLock')).catch(() => undefined);
  if (chromium !== undefined) {
    const match = /^(.*)-(\d+)$/.exec(chromium);
    return match && match[1] === hostname() ? Number(match[2]) : undefined;
  }
  // Firefox names an address, not the host: judged only where the fleet that made the profile named this host.
  const firefox = await readlink(join(profile, 'lock')).catch(() => undefined);
  const match = firefox === undefined ? null : /:\+(\d+)$/.exec(firefox);
  if (!match || (await readFile(join(profile, PROFILE_HOST_FILE), 'utf8').catch(() => undefined)) !== hostname()) return undefined;
  return Number(match[1]);
}

async function isRunning(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // Only ESRCH says no such process; EPERM is another user's process, running, and anything else proves nothing.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  // A zombie (dead, not yet reaped by whoever adopted it) runs no more; without /proc, it is taken to run.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return !/^\d+ \(.*\) Z /.test(stat);
}
