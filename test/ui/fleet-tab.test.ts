// The operator's worker page (the `workerPage` link the master logs at start, with its fleet token in the fragment) in
// real Chromium against a real master: it says it is the operator's worker, and a reload of its tab (F5) stays
// trusted, while a tab opened afresh is a volunteer's page and a token the master refused is not presented again,
// neither by a reload nor by Start pressed again.
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import type { WorkerView } from '../../master/api-types.ts';
import { clickDeep, inApp, waitForTexts } from '../support/browser.ts';
import { until } from '../support/jobs-client.ts';
import { TEST_FLEET_TOKEN } from '../support/test-master.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

declare global {
  interface Window {
    /** Whether each hello the page sent presented a fleet token. */
    __helloTokens?: boolean[];
  }
}

const FLEET_TAB_STANDING = 'The operator’s fleet worker: trusted once the master takes its fleet token';
const VOLUNTEER_STANDING = 'Volunteer: your answers count once you have passed a spot check, and a job is done when enough such answers agree';

const standing = async (page: Page) => (await waitForTexts(page, inApp('worker-page', '.standing'), (texts) => texts.length === 1, 'the standing'))[0];
/** The address bar, as the page itself sees it once it has rendered. */
const address = (page: Page) => page.evaluate(() => location.href);
const listed = async (name: string) =>
  ((await fetch(`${ui.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] }).workers.filter((worker) => worker.name === name);

/** Presses Start and waits for the master's welcome; returns the class the master gave the page. */
async function startAndWelcome(page: Page) {
  await clickDeep(page, inApp('worker-page', '.control button'));
  await page.waitForFunction(() => window.__gridWorker?.workerClass, { timeout: 90_000 });
  return page.evaluate(() => ({ workerId: window.__gridWorker!.workerId!, workerClass: window.__gridWorker!.workerClass! }));
}

/** The master lists this one page under `name`, as the identity it welcomed: any other socket of the name is gone. */
async function listedAs(name: string, welcomed: { workerId: string }) {
  await until(async () => (await listed(name)).map((worker) => worker.workerId).join() === welcomed.workerId, `${name} listed as ${welcomed.workerId}`);
  return (await listed(name))[0]!.workerClass;
}

describe("the operator's worker page", () => {
  it('says it is the fleet worker, and stays trusted after a reload of its tab', async () => {
    const { page } = await ui.open(`/worker?name=operator-tab#fleet-token=${TEST_FLEET_TOKEN}`);
    expect(await standing(page)).toBe(FLEET_TAB_STANDING);
    expect(await address(page)).toBe(`${ui.master.url}/worker?name=operator-tab`);
    const first = await startAndWelcome(page);
    expect(first.workerClass).toBe('trusted');
    expect(await listedAs('operator-tab', first)).toBe('trusted');

    await page.reload({ waitUntil: 'domcontentloaded' });
    expect(await standing(page)).toBe(FLEET_TAB_STANDING);
    expect(await address(page)).toBe(`${ui.master.url}/worker?name=operator-tab`);
    expect(await startAndWelcome(page)).toEqual(first);
    expect(await listedAs('operator-tab', first)).toBe('trusted');
  });

  it('is not shared with a tab opened afresh: that one is a volunteer, told how to run trusted', async () => {
    const { page } = await ui.open('/worker?name=fresh-tab');
    expect(await standing(page)).toBe(VOLUNTEER_STANDING);
    expect(await waitForTexts(page, inApp('worker-page', '.fleet-hint'), (texts) => texts.length === 1, 'the hint')).toEqual([
      'Running this grid yourself? Open the worker page the master logs at start ("workerPage"), or this one with #fleet-token=<your FLEET_TOKEN>: its answers count at once.',
    ]);
    const welcomed = await startAndWelcome(page);
    expect(welcomed.workerClass).toBe('volunteer');
    expect(await listedAs('fresh-tab', welcomed)).toBe('volunteer');
  });

  it('drops a fleet token the master refused: the reloaded tab is a volunteer, not refused again', async () => {
    const { page } = await ui.open('/worker?name=refused-tab#fleet-token=not-the-fleet-token-of-this-master');
    await clickDeep(page, inApp('worker-page', '.control button'));
    await page.waitForFunction(() => window.__gridWorker?.refused, { timeout: 90_000 });

    await page.reload({ waitUntil: 'domcontentloaded' });
    expect(await standing(page)).toBe(VOLUNTEER_STANDING);
    const welcomed = await startAndWelcome(page);
    expect(welcomed.workerClass).toBe('volunteer');
    expect(await listedAs('refused-tab', welcomed)).toBe('volunteer');
  });

  it('sends a refused fleet token no more: Start again runs the tab as a volunteer, and it says so', async () => {
    const { page } = await ui.open('/worker?name=restarted-tab#fleet-token=not-the-fleet-token-of-this-master');
    await page.evaluateOnNewDocument(() => {
      window.__helloTokens = [];
      window.WebSocket = class extends WebSocket {
        override send(data: string) {
          const message = JSON.parse(data) as { type: string; fleetToken?: string };
          if (message.type === 'hello') window.__helloTokens!.push(message.fleetToken !== undefined);
          super.send(data);
        }
      };
    });
    // The tab keeps the token over a reload until the master refuses it; this load watches what its hellos present.
    await page.reload({ waitUntil: 'domcontentloaded' });
    expect(await standing(page)).toBe(FLEET_TAB_STANDING);
    await clickDeep(page, inApp('worker-page', '.control button'));
    await page.waitForFunction(() => window.__gridWorker?.refused, { timeout: 90_000 });
    await waitForTexts(page, inApp('worker-page', '.standing'), (texts) => texts[0] === VOLUNTEER_STANDING, 'the volunteer standing');

    await clickDeep(page, inApp('worker-page', '.control button'));
    await page.waitForFunction(() => window.__gridWorker?.workerClass ?? window.__gridWorker?.refused, { timeout: 90_000 });
    expect(await page.evaluate(() => window.__helloTokens)).toEqual([true, false]);
    const welcomed = await page.evaluate(() => ({ workerId: window.__gridWorker!.workerId!, workerClass: window.__gridWorker!.workerClass! }));
    expect(welcomed.workerClass).toBe('volunteer');
    expect(await listedAs('restarted-tab', welcomed)).toBe('volunteer');
  });
});
