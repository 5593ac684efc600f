// The sweep a starting fleet makes of the profiles a killed fleet left in TMPDIR, on real files: real profile dirs with
// real SingletonLock links named as Chromium names them ("host-pid"), naming real processes, live and dead. A lock
// is judged only when its host is this one (a TMPDIR shared between hosts or containers holds locks whose pids mean
// nothing here), a process of another user runs (kill says EPERM), and a profile that cannot be removed is reported
// while the sweep goes on to the rest: one of another user's once stopped the whole sweep, with an error.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { PROFILE_DIR_PREFIX, PROFILE_HOST_FILE } from '../headless-worker.ts';
import { removeStaleProfiles, type ProfileSweep } from '../stale-profiles.ts';
import { projectRoot } from '../../test/support/paths.ts';

const scratch = mkdtempSync(join(tmpdir(), 'grid-stale-profiles-'));
chmodSync(scratch, 0o755); // for the sweeps run as another user
let dirs = 0;

afterAll(() => {
  // The read-only folders made below, writable again so they can go.
  execFileSync('chmod', ['-R', 'u+rwX', scratch]);
  rmSync(scratch, { recursive: true, force: true });
});

/** A TMPDIR of the test's own. */
function tmpdirOfItsOwn(): string {
  const dir = join(scratch, `tmp-${++dirs}`);
  mkdirSync(dir);
  return dir;
}

/** A worker profile as a fleet leaves it (a folder of files), locked by `lock` (Chromium's SingletonLock) if given. */
function profile(dir: string, name: string, lock?: string): string {
  const path = join(dir, `${PROFILE_DIR_PREFIX}${name}-1-AbC123`);
  mkdirSync(join(path, 'Default'), { recursive: true });
  writeFileSync(join(path, 'Default', 'Preferences'), '{}');
  if (lock !== undefined) symlinkSync(lock, join(path, 'SingletonLock'));
  return path;
}

/** The pid of a process that ran here and has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

const left = (dir: string) => readdirSync(dir).sort();
const named = (path: string) => path.slice(path.lastIndexOf('/') + 1);

it('removes a profile whose lock names this host and a dead process, and keeps those it cannot judge', async () => {
  const dir = tmpdirOfItsOwn();
  const dead = await deadPid();
  const stale = profile(dir, 'stale', `${hostname()}-${dead}`);
  const running = profile(dir, 'running', `${hostname()}-${process.pid}`);
  const starting = profile(dir, 'starting');
  // Another host or container sharing this TMPDIR: its pids mean nothing here, dead here or not.
  const otherHost = profile(dir, 'other-host', `another-container-${dead}`);
  const otherHostRunningHere = profile(dir, 'other-host-running-here', `another-container-${process.pid}`);
  // Hosts whose names only begin or end as this one's does.
  const longerName = profile(dir, 'longer-name', `${hostname()}-2-${dead}`);
  const prefixedName = profile(dir, 'prefixed-name', `build-${hostname()}-${dead}`);

  expect(await removeStaleProfiles(dir)).toEqual({ removed: 1, failed: [] });
  expect(existsSync(stale)).toBe(false);
  expect(left(dir)).toEqual([running, starting, otherHost, otherHostRunningHere, longerName, prefixedName].map(named).sort());
});

/** A Firefox worker profile as a fleet leaves it: its lock ("address:+pid") and the host the fleet wrote in it. */
function firefoxProfile(dir: string, name: string, pid: number, host?: string): string {
  const path = join(dir, `${PROFILE_DIR_PREFIX}${name}-1-AbC123`);
  mkdirSync(path);
  writeFileSync(join(path, 'prefs.js'), '');
  symlinkSync(`127.0.0.1:+${pid}`, join(path, 'lock'));
  if (host !== undefined) writeFileSync(join(path, PROFILE_HOST_FILE), host);
  return path;
}

it('judges a Firefox lock, which names an address and not the host, only in a profile a fleet of this host made', async () => {
  const dir = tmpdirOfItsOwn();
  const dead = await deadPid();
  const stale = firefoxProfile(dir, 'stale', dead, hostname());
  const running = firefoxProfile(dir, 'running', process.pid, hostname());
  // Another container sharing this TMPDIR: its Firefox's pid means nothing here. Before, it was taken for this host's.
  const otherHost = firefoxProfile(dir, 'other-host', dead, 'another-container');
  // Made by a fleet that wrote no host: nothing says whose it is.
  const unnamed = firefoxProfile(dir, 'unnamed', dead);

  expect(await removeStaleProfiles(dir)).toEqual({ removed: 1, failed: [] });
  expect(existsSync(stale)).toBe(false);
  expect(left(dir)).toEqual([running, otherHost, unnamed].map(named).sort());
});

it('keeps a profile whose lock names a pid no kill can ask about: only "no such process" (ESRCH) says its browser is dead', async () => {
  const dir = tmpdirOfItsOwn();
  // Past any pid this system gives: kill throws, but not ESRCH.
  const absurd = profile(dir, 'absurd-pid', `${hostname()}-99999999999`);

  expect(await removeStaleProfiles(dir)).toEqual({ removed: 0, failed: [] });
  expect(left(dir)).toEqual([named(absurd)]);
});

// A sweep by a user other than the one whose files and processes these are: as root (who may remove anything and
// signal any process) the sweep runs as nobody, the files made its own.
const asRoot = process.getuid?.() === 0;
const nobody = asRoot
  ? { uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })) }
  : null;

/** A real process of a user other than the one sweeping: this one, when the sweep runs as nobody; else init, if not ours. */
const othersProcess = asRoot ? process.pid : statSync('/proc/1', { throwIfNoEntry: false })?.uid !== process.getuid?.() ? 1 : undefined;

/** The files under `dir` become the sweeping user's. */
function ownedBySweeper(dir: string): void {
  if (!nobody) return;
  execFileSync('chown', ['-R', `${nobody.uid}:${nobody.gid}`, dir]);
  chownSync(dir, nobody.uid, nobody.gid);
}

/**
 * The sweep bundled into one file in the scratch folder, so that the sweeping user needs to read nothing of the
 * checkout's (which may lie in a folder only its owner may enter, as root's home).
 */
const sweepScript = join(scratch, 'sweep.cjs');
buildSync({
  entryPoints: [join(projectRoot, 'headless-worker/stale-profiles.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: sweepScript,
  logLevel: 'error',
});
chmodSync(sweepScript, 0o644);

/** removeStaleProfiles(dir) in a process of its own, as the sweeping user. */
function sweepAsAnotherUser(dir: string): ProfileSweep {
  const script = `require(${JSON.stringify(sweepScript)}).removeStaleProfiles(${JSON.stringify(dir)}).then((sweep) => process.stdout.write(JSON.stringify(sweep)));`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: scratch, encoding: 'utf8', ...nobody });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as ProfileSweep;
}

it('goes on past a stale profile it cannot remove, saying which and why, and removes the rest', async () => {
  const dir = tmpdirOfItsOwn();
  const dead = await deadPid();
  const removable = ['first', 'second', 'third', 'fourth'].map((name) => profile(dir, name, `${hostname()}-${dead}`));
  const stuck = profile(dir, 'stuck', `${hostname()}-${dead}`);
  ownedBySweeper(dir);
  // A folder whose entries its owner may not remove: rm gets EACCES, as on another user's files.
  chmodSync(join(stuck, 'Default'), 0o555);

  const sweep = sweepAsAnotherUser(dir);
  expect(sweep).toEqual({ removed: 4, failed: [{ profile: stuck, reason: expect.stringMatching(/^EACCES: permission denied/) }] });
  expect(removable.filter((path) => existsSync(path))).toEqual([]);
  expect(left(dir)).toEqual([named(stuck)]);
});

it.skipIf(othersProcess === undefined)("keeps a profile whose browser is another user's process (kill says EPERM: it runs)", async () => {
  const dir = tmpdirOfItsOwn();
  const others = profile(dir, 'others', `${hostname()}-${othersProcess}`);
  const stale = profile(dir, 'stale', `${hostname()}-${await deadPid()}`);
  ownedBySweeper(dir);

  expect(sweepAsAnotherUser(dir)).toEqual({ removed: 1, failed: [] });
  expect(left(dir)).toEqual([named(others)]);
  expect(existsSync(stale)).toBe(false);
});
