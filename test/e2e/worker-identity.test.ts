// Worker identity in a real headless Chromium on the built worker page: the page is issued an
// identity, keeps it in localStorage across a reconnect and a master restart, storing the fresh token each welcome
// brings, and a worker of the fleet started with the master's FLEET_TOKEN is trusted while a plain page is a
// volunteer; a fleet tab opened in the volunteer's browser keeps its identity apart. A page keeping a token from
// before tokens expired is refused (4008) and asks for a new identity.
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import type { WorkerView } from '../../master/api-types.ts';
import { tokenParts, type WorkerIdentity } from '../../master/protocol.ts';
import { launchTestBrowser, openPage } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { until } from '../support/jobs-client.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../support/test-master.ts';

const FLEET_TOKEN = 'fleet-token-of-the-identity-test';
const NAME = 'identity-tab';
const dataDir = tempDataDir();
let port: number;
let master: TestMaster;
let browser: Browser;
let page: Page;
let fleet: Fleet | null = null;

beforeAll(async () => {
  port = await freePort();
  master = await startTestMaster({ dataDir, port, fleetToken: FLEET_TOKEN });
  browser = await launchTestBrowser('chromium');
  ({ page } = await openPage(browser, master.url, `/worker?autostart=1&name=${NAME}`));
});

afterAll(async () => {
  await fleet?.stop();
  await browser?.close();
  await master?.close();
});

const listed = async () => ((await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] }).workers;
const tab = async () => (await listed()).find((worker) => worker.name === NAME);
const kept = () => page.evaluate(() => JSON.parse(localStorage.getItem('grid-worker-identity') ?? 'null') as WorkerIdentity | null);
/** When the kept token was issued. */
const keptIssuedAt = async () => tokenParts((await kept())!.token)!.issuedAt;

/** Waits for the page to keep the token renewed at its next welcome: the same identity, issued after `than`. */
async function renewedAfter(than: WorkerIdentity): Promise<WorkerIdentity> {
  await until(async () => (await kept())?.token !== than.token, 'the renewed token kept', 60_000);
  const renewed = (await kept())!;
  expect(renewed.workerId).toBe(than.workerId);
  expect(await keptIssuedAt()).toBeGreaterThan(tokenParts(than.token)!.issuedAt);
  return renewed;
}

describe('worker identity in a real browser', () => {
  let identity: WorkerIdentity;

  it('is issued to a new page, kept in localStorage, and makes it a volunteer', async () => {
    await until(async () => (await tab()) !== undefined, 'the page to connect', 90_000);
    await until(async () => (await kept()) !== null, 'the identity kept');
    identity = (await kept())!;
    expect(await tab()).toMatchObject({ workerId: identity.workerId, workerClass: 'volunteer' });
    expect(await page.evaluate(() => window.__gridWorker?.workerClass)).toBe('volunteer');
  });

  it('is presented again after a reload (a new connection), and the fresh token its welcome brings is kept', async () => {
    await page.reload({ waitUntil: 'domcontentloaded' });
    await until(async () => (await tab())?.workerId === identity.workerId, 'the page back with its identity', 60_000);
    identity = await renewedAfter(identity);
  });

  it('survives a master restart: the page reconnects as the same identity', async () => {
    await master.close();
    master = await startTestMaster({ dataDir, port, fleetToken: FLEET_TOKEN });
    await until(async () => (await tab())?.workerId === identity.workerId, 'the page reconnected with its identity', 60_000);
    identity = await renewedAfter(identity);
  });

  it('trusts a worker of the fleet started with the fleet token, and only it', async () => {
    fleet = startFleet({ masterUrl: master.url, workers: 1, namePrefix: 'identity-fleet', fleetToken: FLEET_TOKEN, logger: createLogger('error') });
    await fleet.waitUntilReady(90_000);
    await until(async () => (await listed()).some((worker) => worker.name === 'identity-fleet-1'), 'the fleet worker');
    const classes = Object.fromEntries((await listed()).map((worker) => [worker.name, worker.workerClass]));
    expect(classes).toEqual({ [NAME]: 'volunteer', 'identity-fleet-1': 'trusted' });
  });

  it("keeps a volunteer's identity when a fleet tab opens in the same browser (kept apart), and never asks for credit", async () => {
    const { page: fleetTab } = await openPage(browser, master.url, `/worker?autostart=1&name=fleet-tab#fleet-token=${FLEET_TOKEN}`);
    try {
      await until(
        async () => (await listed()).some((worker) => worker.name === 'fleet-tab' && worker.workerClass === 'trusted'),
        'the fleet tab trusted',
        90_000,
      );
      expect((await kept())?.workerId).toBe(identity.workerId);
      // A fleet page earns no credit, so it never asks for it (one request each 5 s from each fleet page otherwise).
      const asked: string[] = [];
      fleetTab.on('request', (request) => void (new URL(request.url()).pathname === '/api/volunteers/me' && asked.push(request.url())));
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(asked).toEqual([]);
    } finally {
      await fleetTab.close();
    }
    await page.reload({ waitUntil: 'domcontentloaded' });
    await until(async () => (await tab())?.workerId === identity.workerId, 'the volunteer back with its identity', 60_000);
    expect((await tab())?.workerClass).toBe('volunteer');
  });

  it('asks for a new identity when the master refuses the kept token as expired (an undated one, from before tokens expired)', async () => {
    await page.evaluate((workerId) => localStorage.setItem('grid-worker-identity', JSON.stringify({ workerId, token: 'A'.repeat(43) })), identity.workerId);
    await page.reload({ waitUntil: 'domcontentloaded' });
    let fresh: WorkerIdentity | null = null;
    const backAsNew = async () => {
      const [listed, keptNow] = [await tab(), await kept()];
      fresh = keptNow;
      return listed !== undefined && listed.workerId !== identity.workerId && keptNow?.workerId === listed.workerId;
    };
    await until(backAsNew, 'the page back as a new identity, kept', 60_000);
    expect(tokenParts(fresh!.token)).not.toBeNull();
  });
});
