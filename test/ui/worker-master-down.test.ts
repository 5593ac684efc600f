// A worker page whose master goes down, in real Chromium: it keeps trying, and its alert keeps one text from try to
// try, so a screen reader reads it once (found by review: the alert held the wait, new at every try, and was read out
// again every few seconds); the wait is shown beside it.
import { expect, it } from 'vitest';
import { deepTexts, inApp, PageWatch } from '../support/browser.ts';
import { startTestMaster } from '../support/test-master.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

it('keeps the same words in its alert across reconnect attempts while the master is down', async () => {
  const master = await startTestMaster();
  const page = await ui.browser.newPage();
  const watch = new PageWatch(page, master.url);
  let closed = false;
  try {
    await page.goto(`${master.url}/worker?autostart=1&name=master-down-tab`, { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(() => window.__gridWorker?.state === 'ready', { timeout: 90_000 });
    await master.close();
    closed = true;

    // Backoff from 0.5 s doubling (jittered): several tries in 8 s, each with a new wait.
    const alerts = new Set<string>();
    const notes = new Set<string>();
    const end = Date.now() + 8_000;
    while (Date.now() < end) {
      (await deepTexts(page, inApp('worker-page', '[role=alert]'))).forEach((text) => text && alerts.add(text));
      (await deepTexts(page, inApp('worker-page', '.retry-note'))).forEach((text) => notes.add(text));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect([...alerts]).toEqual(['Last problem: no connection to the master']);
    expect(notes.size).toBeGreaterThanOrEqual(2);
    for (const note of notes) expect(note).toMatch(/^Retrying in [\d.]+ s\.$/);
    // The tries fail while the master is down (logged by the browser); nothing else may go wrong.
    expect(watch.take().filter((problem) => problem.startsWith('page error'))).toEqual([]);
  } finally {
    await page.close();
    if (!closed) await master.close();
  }
});
