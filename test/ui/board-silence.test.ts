// A board whose live stream dies without being closed (a crashed host, a dropped NAT entry), in real Chromium
// against a real master behind a TCP proxy that freezes the connections open at the time and lets new ones through:
// EventSource never notices such a stream, but the board hears no keepalive for three EVENT_KEEPALIVE_MS, says the
// master is unreachable, opens a new stream and shows a job submitted after the freeze. Before, it stayed "live" on
// the dead stream, showing stale jobs, for ever. A refresh whose answer died with its connection is given up after
// API_TIMEOUT_MS and run again; before, it held every later refresh for as long as the system kept the connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TIMEOUT_MS } from '../../web/src/api.ts';
import { clickDeep, inApp, openPage, waitForTexts } from '../support/browser.ts';
import { holdCalls } from '../support/held-calls.ts';
import { submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { stallingProxy, type StallingProxy } from '../support/stalling-proxy.ts';
import { threeImages, useUiHarness } from '../support/ui-harness.ts';

// Idle keep-alive connections closed soon, so that the stream is soon the only connection open to freeze. Keepalives
// 1 s apart: a live stream is given up after 3 s of silence, which a keepalive late on a loaded machine does not reach.
const ui = useUiHarness({ master: { eventKeepaliveMs: 1000, keepAliveTimeoutMs: 300 } });
let proxy: StallingProxy;

beforeAll(async () => {
  proxy = await stallingProxy({ host: '127.0.0.1', port: Number(new URL(ui.master.url).port) });
});

afterAll(async () => {
  await proxy?.close();
});

/** Every text the board's banner shows, as it changes; read with bannerSeen. */
const WATCH_BANNER = `(() => {
  const find = (root) => {
    for (const element of root.querySelectorAll('*')) {
      if (element.tagName === 'FEED-BANNER') return element;
      const inner = element.shadowRoot && find(element.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  window.bannerSeen = [];
  setInterval(() => {
    const text = (find(document)?.shadowRoot?.textContent ?? '').trim();
    if (window.bannerSeen.at(-1) !== text) window.bannerSeen.push(text);
  }, 10);
})()`;

describe('a board whose live stream dies without a close', () => {
  it('says the master is unreachable, opens a new stream and shows a job submitted after the freeze', async () => {
    const [before, after] = threeImages;
    await submit(ui.master.url, uploadsFrom([before!.path]));
    const proxyUrl = `http://127.0.0.1:${proxy.port}`;
    const { page, watch } = await openPage(ui.browser, proxyUrl, '/');
    const streams: string[] = [];
    page.on('request', (request) => void (request.url().endsWith('/api/events') && streams.push(request.url())));
    try {
      await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 1, 'the job submitted before');
      // Its thumbnail and the page's files fetched, their connections closed: only the live stream is left to freeze.
      await until(() => proxy.open === 1, 'the live stream to be the only connection open');
      await page.evaluate(WATCH_BANNER);
      const streamsBefore = streams.length;

      proxy.freezeOpen();
      await submit(ui.master.url, uploadsFrom([after!.path]));
      const shown = await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 2, 'the job submitted after the freeze');
      expect(shown.some((text) => text.includes(after!.file))).toBe(true);

      // It noticed, said so, and came back on a new stream of its own, no longer saying so.
      const seen = (await page.evaluate('window.bannerSeen')) as string[];
      expect(seen).toContain('Master unreachable — retrying…');
      expect(seen.at(-1)).toBe('');
      expect(streams.length - streamsBefore).toBe(1);
      expect(watch.take()).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('gives up on a refresh whose answer died with its connection after API_TIMEOUT_MS, and refreshes again', async () => {
    const [, , later] = threeImages;
    const proxyUrl = `http://127.0.0.1:${proxy.port}`;
    const { page, watch } = await openPage(ui.browser, proxyUrl, '/');
    // The refresh given up is the test's doing: its request fails, aborted by the page.
    watch.expect((url, status) => status === 'failed' && url.includes('/api/jobs?status=queued'));
    try {
      await waitForTexts(page, inApp('job-row'), (texts) => texts.length > 0, 'the board loaded');
      await until(() => proxy.open === 1, 'the live stream to be the only connection open');
      // A refresh held by the master until its connection, and the stream's, are frozen: its answer never arrives.
      const listing = holdCalls(ui.master.store, 'list');
      await clickDeep(page, inApp('job-board', 'label.filter:nth-of-type(2) input')); // "queued"
      await until(() => listing.count() > 0, 'the refresh to reach the master');
      proxy.freezeOpen();
      listing.release();
      await submit(ui.master.url, uploadsFrom([later!.path]));
      // The new stream's resync waits for the refresh under way: before, for ever.
      const shown = await waitForTexts(
        page,
        inApp('job-row'),
        (texts) => texts.some((text) => text.includes(later!.file)),
        'the job submitted after the freeze',
        API_TIMEOUT_MS + 15_000,
      );
      expect(shown.length).toBeGreaterThan(0);
    } finally {
      await page.close();
    }
  });
});
