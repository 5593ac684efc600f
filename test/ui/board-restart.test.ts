// The board across a master restart, in real Chromium: the browser comes back by itself after the wait the old
// master told it (EVENT_RECONNECT_MS), resuming from the id its stream opened at; the new master does not know that
// id and says resync; the board then fetches the newest jobs once, not once for the reconnect and again for the
// resync, and no worker list (the stream gives the count), and is live on the new master.
import { describe, expect, it } from 'vitest';
import { inApp, PageWatch, waitForTexts } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { startTestMaster, tempDataDir } from '../support/test-master.ts';
import { ADMIN_TOKEN, smallImage, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

describe('a board whose master restarts', () => {
  it('fetches the newest jobs once and no worker list, then is live on the new master', async () => {
    const port = await freePort();
    const dataDir = tempDataDir();
    let master = await startTestMaster({ port, dataDir, adminToken: ADMIN_TOKEN, eventReconnectMs: 200 });
    const [id] = await submit(master.url, uploadsFrom([smallImage.path]));
    const page = await ui.browser.newPage();
    const watch = new PageWatch(page, master.url);
    // While the master is down, the stream's reconnection attempts fail: that is the restart.
    watch.expect((url, status) => url.endsWith('/api/events') && status === 'failed');
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname + new URL(request.url()).search));
    const askedFor = (path: string) => asked.filter((request) => request === path).length;
    try {
      await page.goto(`${master.url}/`, { waitUntil: 'domcontentloaded' });
      await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 1, 'the job');
      // Its thumbnail shown first: one still loading when the master closes fails, and is asked for again while it is down.
      const thumbnailShown = () =>
        page.$$eval(inApp('job-row', '.thumb img'), (images) =>
          images.some((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0),
        );
      await until(thumbnailShown, 'the thumbnail shown');
      await master.close();
      asked.length = 0;

      master = await startTestMaster({ port, dataDir, adminToken: ADMIN_TOKEN });
      await until(() => askedFor('/api/jobs?limit=100') > 0, 'the resync');
      const deleted = await fetch(`${master.url}/api/jobs/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(deleted.status).toBe(204);
      // The deletion is heard on the new stream, after its "resync": every fetch that resync caused has been made.
      await waitForTexts(page, inApp('job-board', '.empty'), (texts) => texts.some((text) => text.includes('No jobs yet.')), 'the deletion, live');
      expect([askedFor('/api/jobs?limit=100'), askedFor('/api/workers')]).toEqual([1, 0]);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
      await master.close();
    }
  });
});
