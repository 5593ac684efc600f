// A board the master turns away for too many live streams from its address, in real Chromium against a real
// master allowing one: the banner says the master's reason, not "unreachable", and the board goes live once a
// stream is free.
import { describe, expect, it } from 'vitest';
import { inApp, waitForTexts } from '../support/browser.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ master: { maxEventStreamsPerAddress: 1 } });

describe('a board whose live stream is refused', () => {
  it("says the master's reason while it is turned away, then goes live when a stream is free", async () => {
    // Another board from this address (here a script) holds the one stream allowed.
    const other = new AbortController();
    const held = await fetch(`${ui.master.url}/api/events`, { signal: other.signal });
    expect(held.status).toBe(200);

    const { page, watch } = await ui.open('/');
    watch.expect((url, status) => status === 429 && url.endsWith('/api/events'));
    const banner = inApp('job-board', 'feed-banner', '[role=status]');
    const [refused] = await waitForTexts(page, banner, (texts) => texts.some((text) => text.startsWith('No live updates')), 'the refusal');
    expect(refused).toMatch(/at most 1 live event streams at once from one address; close a board \(a tab\)/);

    other.abort();
    // The master asked for 10 s (Retry-After): the board asks again after that, and is served.
    await waitForTexts(page, banner, (texts) => texts.length === 1 && texts[0] === '', 'the banner gone', 30_000);
    await waitForTexts(page, inApp('job-board', '.empty'), (texts) => texts.some((text) => text.includes('No jobs yet.')), 'the board live');
  });
});
