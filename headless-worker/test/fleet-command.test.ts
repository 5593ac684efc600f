// `npm run fleet` as an operator runs it: a process of its own, with real Chromium (/usr/bin/chromium or
// CHROMIUM_PATH) on a real master's worker page and the shipped model. Each run gets a TMPDIR of its own,
// where its browsers' profiles go.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILE_DIR_PREFIX } from '../headless-worker.ts';
import { removeStaleProfiles } from '../stale-profiles.ts';
import { FLEET_TOKEN_REFUSED } from '../supervised-worker.ts';
import { until } from '../../test/support/jobs-client.ts';
import { projectRoot } from '../../test/support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';

interface LogLine {
  level: number;
  msg: string;
  browserPid?: number;
}

const scratch = mkdtempSync(join(tmpdir(), 'grid-fleet-command-'));
const children: ChildProcess[] = [];
/** Browsers the fleets logged launching: a fleet killed without its cleanup leaves them running. */
const browserPids = new Set<number>();
let master: TestMaster;

beforeAll(async () => {
  master = await startTestMaster();
});

afterAll(async () => {
  // A fleet that did not exit as it should is stopped the way an operator would, so it cleans up.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : undefined)));
  for (const pid of browserPids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: its fleet closed it.
    }
  }
  await master.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** `ownTmpdir`: a TMPDIR another run had, to see what this one makes of what that one left. */
function runFleet(name: string, fleetToken: string, extraArgs: string[] = [], ownTmpdir = mkdtempSync(join(scratch, `${name}-`))) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'headless-worker/main.ts', '--master', master.url, '--workers', '1', '--name', name, '--status-interval', '0', ...extraArgs],
    { cwd: projectRoot, env: { ...process.env, FLEET_TOKEN: fleetToken, TMPDIR: ownTmpdir, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    tmpdir: ownTmpdir,
    exited,
    output: () => output,
    /** Its log lines (JSON, as it logs when not at a terminal). */
    logLines: () => {
      const lines = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine);
      for (const { browserPid } of lines) if (browserPid !== undefined) browserPids.add(browserPid);
      return lines;
    },
    kill: (signal: NodeJS.Signals) => child.kill(signal),
    /** What is in its TMPDIR besides the cache of tsx, which runs its TypeScript here. */
    leftovers: () => readdirSync(ownTmpdir).filter((entry) => !entry.startsWith('tsx-')),
    profileDirs: () => readdirSync(ownTmpdir).filter((entry) => entry.startsWith(PROFILE_DIR_PREFIX)),
  };
}

/** Whether a process runs (a zombie, dead but not yet reaped by whoever adopted it, does not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Rejects, naming `what`, if `promise` has not settled within timeoutMs. */
function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('npm run fleet', () => {
  it('stops at the first refusal of its fleet token, says so once, and exits 1', async () => {
    const fleetToken = 'a-fleet-token-this-master-does-not-know';
    const fleet = runFleet('refused', fleetToken);
    const { code } = await within(fleet.exited, 90_000, 'the refused fleet to exit');
    expect(code).toBe(1);
    const lines = fleet.logLines();
    expect(lines.filter((line) => line.msg.includes('refused'))).toEqual([expect.objectContaining({ level: 50, msg: FLEET_TOKEN_REFUSED })]);
    expect(lines.filter((line) => line.msg.includes('relaunching'))).toEqual([]);
    expect(lines.at(-1)?.msg).toBe('all headless workers stopped');
    expect(fleet.leftovers()).toEqual([]);
    expect(fleet.output()).not.toContain(fleetToken);
  }, 120_000);

  it('closes its browsers and exits 0 when its terminal hangs up (SIGHUP), leaving nothing in TMPDIR', async () => {
    const fleet = runFleet('hangup', TEST_FLEET_TOKEN);
    await until(() => fleet.logLines().some((line) => line.msg === 'browser launched and worker page loaded'), 'the browser to be launched', 60_000);
    expect(fleet.profileDirs()).toHaveLength(1);
    fleet.kill('SIGHUP');
    expect(await within(fleet.exited, 30_000, 'the fleet to exit')).toEqual({ code: 0, signal: null });
    const messages = fleet.logLines().map((line) => line.msg);
    expect(messages).toContain('SIGHUP: closing all browsers');
    expect(messages.at(-1)).toBe('all headless workers stopped');
    expect(fleet.leftovers()).toEqual([]);
  }, 120_000);

  it('removes, when it starts, the profiles a fleet killed with kill -9 left in TMPDIR, and no other', async () => {
    const killed = runFleet('killed', TEST_FLEET_TOKEN);
    await until(() => killed.logLines().some((line) => line.msg === 'browser launched and worker page loaded'), 'the browser to be launched', 60_000);
    const [chromium] = killed.logLines().flatMap(({ browserPid }) => (browserPid === undefined ? [] : [browserPid]));
    killed.kill('SIGKILL');
    await within(killed.exited, 30_000, 'the fleet to die');
    await until(() => !running(chromium!), 'its Chromium to exit', 30_000);
    // Chromium exits when its pipe to the fleet closes, but its profile (with the model it cached) stays.
    expect(killed.profileDirs()).toEqual([expect.stringMatching(new RegExp(`^${PROFILE_DIR_PREFIX}killed-1-`))]);
    // A profile whose browser is still starting, or running for another fleet, has no lock naming a dead process.
    const starting = join(killed.tmpdir, `${PROFILE_DIR_PREFIX}starting-1-abcdef`);
    mkdirSync(starting);
    symlinkSync(`${hostname()}-${process.pid}`, join(starting, 'SingletonLock'));

    const next = runFleet('next', TEST_FLEET_TOKEN, [], killed.tmpdir);
    await until(() => next.logLines().some((line) => line.msg === 'browser launched and worker page loaded'), 'the next browser to be launched', 60_000);
    await until(() => next.profileDirs().length === 2, 'the profile left behind to be removed', 30_000);
    expect(next.logLines().map((line) => line.msg)).toContain('removed 1 browser profile(s) left in TMPDIR by a fleet that was killed');
    expect(next.profileDirs().sort()).toEqual([expect.stringMatching(new RegExp(`^${PROFILE_DIR_PREFIX}next-1-`)), basename(starting)]);
    rmSync(starting, { recursive: true });
    next.kill('SIGTERM');
    expect(await within(next.exited, 30_000, 'the fleet to exit')).toEqual({ code: 0, signal: null });
    expect(next.leftovers()).toEqual([]);
  }, 180_000);

  it('takes its Firefox down with it when killed with no chance to close it (kill -9)', async () => {
    const fleet = runFleet('crashed', TEST_FLEET_TOKEN, ['--browser', 'firefox']);
    await until(() => fleet.logLines().some((line) => line.msg === 'browser launched and worker page loaded'), 'Firefox to be launched', 60_000);
    const [firefox] = fleet.logLines().flatMap(({ browserPid }) => (browserPid === undefined ? [] : [browserPid]));
    expect(running(firefox!)).toBe(true);
    fleet.kill('SIGKILL');
    expect(await within(fleet.exited, 30_000, 'the fleet to die')).toEqual({ code: null, signal: 'SIGKILL' });
    // Firefox, unlike Chromium on its pipe, does not notice: before the fleet had it killed, it worked on unseen.
    await until(() => !running(firefox!), 'Firefox to be gone', 30_000);
    // Its profile stays, locked by an address, not a host: the host the fleet wrote in it lets a sweep judge the lock.
    expect(fleet.profileDirs()).toHaveLength(1);
    expect(await removeStaleProfiles(fleet.tmpdir)).toEqual({ removed: 1, failed: [] });
    expect(fleet.profileDirs()).toEqual([]);
  }, 120_000);
});
