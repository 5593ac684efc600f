// A fleet whose master cannot be reached, in real Chromium (/usr/bin/chromium or CHROMIUM_PATH): every
// browser life fails to load the worker page, and the fleet says why and relaunches. The browsers get a
// TMPDIR of the test's own, where their profiles and Chromium's own temp dirs go.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet, type FleetOptions } from '../fleet.ts';
import { freePort } from '../../test/support/free-port.ts';
import { until } from '../../test/support/jobs-client.ts';

const FLEET_TOKEN = 'secret-token-ABCDEFGH-123';
/** A master behind basic authentication: its password is as secret as the token. */
const PASSWORD = 'basic-auth-PASSWORD-456';
const namePrefix = `unreachable${process.pid}`;
const logLines: string[] = [];
const savedTmpdir = process.env.TMPDIR;
const browsersTmpdir = mkdtempSync(join(tmpdir(), 'grid-unreachable-'));
let masterUrl: string;
const fleets: Fleet[] = [];

beforeAll(async () => {
  masterUrl = `http://127.0.0.1:${await freePort()}`;
  process.env.TMPDIR = browsersTmpdir;
});

afterAll(async () => {
  await Promise.all(fleets.map((fleet) => fleet.stop()));
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  rmSync(browsersTmpdir, { recursive: true, force: true });
});

function launch(options: Partial<FleetOptions> = {}): Fleet {
  const fleet = startFleet({
    masterUrl,
    workers: 1,
    namePrefix,
    logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
    pollIntervalMs: 100,
    restartPolicy: { backoff: { initialMs: 100, maxMs: 100 } },
    ...options,
  });
  fleets.push(fleet);
  return fleet;
}

describe('a fleet whose master is unreachable', () => {
  it('never shows the fleet token or the password of the master URL: not in its logs, not in its status, not in why it is not ready', async () => {
    const fleet = launch({ fleetToken: FLEET_TOKEN, masterUrl: masterUrl.replace('//', `//grid:${PASSWORD}@`) });
    const [worker] = fleet.workers;
    await until(() => worker!.status().lastFailure !== undefined, 'the first launch to fail', 60_000);
    const notReady = await fleet.waitUntilReady(0).then(
      () => 'ready',
      (err: Error) => err.message,
    );
    // The failure is told, with the page's address: only the token and the password are left out.
    const failure = /launch failed: net::ERR_CONNECTION_REFUSED at http:\/\/grid:\*\*\*@127\.0\.0\.1:\d+\/worker\?/;
    expect(worker!.status().lastFailure).toMatch(failure);
    expect(notReady).toMatch(failure);
    expect(logLines.join('')).toMatch(failure);
    expect(logLines.join('')).toMatch(/"masterUrl":"http:\/\/grid:\*\*\*@127/);
    for (const text of [logLines.join(''), worker!.status().lastFailure, notReady]) {
      expect(text).not.toContain(FLEET_TOKEN);
      expect(text).not.toContain(PASSWORD);
    }
    await fleet.stop();
  }, 90_000);

  it('leaves nothing in TMPDIR, however often its browsers were relaunched', async () => {
    const fleet = launch();
    await until(() => fleet.workers[0]!.status().restarts >= 2, 'three browser lives', 60_000);
    await fleet.stop();
    expect(readdirSync(browsersTmpdir)).toEqual([]);
  }, 90_000);
});
