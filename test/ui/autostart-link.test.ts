// A link anyone can post, /worker?autostart=1&name=…, opened in real Chromium that is not under remote control (as a
// person's browser is: navigator.webdriver false), against a real master. The page waits for the visitor's click: no
// model download, no socket, no worker listed until Start is pressed, and then under the name the browser remembers,
// never the link's. Autostart had set the visitor's machine working for the grid, under a name the link's author
// chose, with no click at all; and once autostart waited for the click, the click still took the link's name. (Under
// remote control, as the fleet's browsers and the other UI tests are, autostart and ?name= still apply.)
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerView } from '../../master/api-types.ts';
import { launchBrowser, resolveBrowserPath } from '../../headless-worker/browsers.ts';
import { clickDeep, deepTexts, inApp, openPage, waitForTexts } from '../support/browser.ts';
import { until } from '../support/jobs-client.ts';
import { startTestMaster, type TestMaster } from '../support/test-master.ts';

let master: TestMaster;
let browser: Browser;
beforeAll(async () => {
  master = await startTestMaster();
  // Chromium's own switch for a browser that does not say it is automated, as a person's does not.
  browser = await launchBrowser({
    executablePath: resolveBrowserPath('chromium'),
    headless: true,
    args: ['--no-sandbox', '--disable-blink-features=AutomationControlled'],
  });
});
afterAll(async () => {
  await browser?.close();
  await master?.close();
});

const NAME = 'chosen-by-the-link-author';
const BUTTON = inApp('worker-page', '.control > button');
const listedNames = async () => {
  const { workers } = (await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
  return workers.map((worker) => worker.name);
};

describe("a stranger's autostart link to the worker page", () => {
  it("starts nothing until the visitor presses Start, and then not under the link's name", async () => {
    const { page } = await openPage(browser, master.url, `/worker?autostart=1&name=${NAME}`);
    expect(await page.evaluate(() => navigator.webdriver)).toBe(false);
    await waitForTexts(page, BUTTON, (texts) => texts.length === 1, 'the worker page');
    // Long enough for an autostarted page to have fetched the model and opened its socket.
    await page.waitForNetworkIdle({ idleTime: 500 });

    expect(await deepTexts(page, BUTTON)).toEqual(['Start']);
    expect(await listedNames(), 'a worker listed on /api/workers before any click').toEqual([]);

    await clickDeep(page, BUTTON);
    await until(async () => (await listedNames()).length === 1, 'the worker listed once Start was pressed', 90_000);
    // The name this browser remembers (worker-params.ts: two words and a number), not the link's.
    expect(await listedNames()).toEqual([expect.stringMatching(/^[a-z]+-[a-z]+-\d+$/)]);
  });
});
