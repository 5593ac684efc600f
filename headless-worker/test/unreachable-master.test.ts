// A fleet whose master cannot be reached, in real Chromium (/usr/bin/chromium or CHROMIUM_PATH): every
// browser life fails to load the worker page, and the fleet says why and relaunches.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../fleet.ts';
import { freePort } from '../../test/support/free-port.ts';
import { until } from '../../test/support/jobs-client.ts';

const FLEET_TOKEN = 'secret-token-ABCDEFGH-123';
const namePrefix = `unreachable${process.pid}`;
const logLines: string[] = [];
let masterUrl: string;
let fleet: Fleet | undefined;

beforeAll(async () => {
  masterUrl = `http://127.0.0.1:${await freePort()}`;
});

afterAll(async () => {
  await fleet?.stop();
});

describe('a fleet whose master is unreachable', () => {
  it('never shows the fleet token: not in its logs, not in its status, not in why it is not ready', async () => {
    fleet = startFleet({
      masterUrl,
      workers: 1,
      namePrefix,
      fleetToken: FLEET_TOKEN,
      logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
      pollIntervalMs: 100,
      restartPolicy: { backoff: { initialMs: 100, maxMs: 100 } },
    });
    const [worker] = fleet.workers;
    await until(() => worker!.status().lastFailure !== undefined, 'the first launch to fail', 60_000);
    const notReady = await fleet.waitUntilReady(0).then(
      () => 'ready',
      (err: Error) => err.message,
    );
    // The failure is told, with the page's address: only the token is left out.
    const failure = /launch failed: net::ERR_CONNECTION_REFUSED at http:\/\/127\.0\.0\.1:\d+\/worker\?/;
    expect(worker!.status().lastFailure).toMatch(failure);
    expect(notReady).toMatch(failure);
    expect(logLines.join('')).toMatch(failure);
    for (const text of [logLines.join(''), worker!.status().lastFailure, notReady]) expect(text).not.toContain(FLEET_TOKEN);
  }, 90_000);
});
