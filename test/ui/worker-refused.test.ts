// The worker page in real Chromium when the master refuses it. Its address may have no new identity for now
// (MAX_NEW_IDENTITIES_PER_ADDRESS): it says why, in the master's words, and keeps trying rather than give up. Its fleet
// token is not the master's: it stops, says why, and offers Start again (the fleet reads `refused` and stops too).
import { describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { clickDeep, deepTexts, inApp, waitForTexts } from '../support/browser.ts';
import { until } from '../support/jobs-client.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ master: { maxNewIdentitiesPerAddress: 1 } });

describe('a worker page its address may not have a new identity for', () => {
  it('says why and retries', async () => {
    // The address's one new identity this hour goes to another worker first.
    const first = await SyntheticWorker.connect({ masterUrl: ui.master.url, name: 'first' });
    try {
      const { page } = await ui.open('/worker');
      await clickDeep(page, inApp('worker-page', '.control button'));
      const [note] = await waitForTexts(
        page,
        inApp('worker-page', '.retry-note'),
        (texts) => texts[0]?.includes('over 1 new identity from your address in 60 min') ?? false,
        'the refusal, in the master’s words',
        90_000,
      );
      expect(note).toMatch(/^The master said: over 1 new identity from your address in 60 min; try again in \d+ s\. Retrying in [\d.]+ s\.$/);
      // The alert says what stays true from try to try; the master's countdown is beside it.
      expect(await deepTexts(page, inApp('worker-page', '[role=alert]'))).toEqual(['Last problem: the master takes no new identity from this address for now']);
      expect((await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts.length === 1, 'the state'))[0]).toBe('Connecting to the master…');
    } finally {
      first.terminate();
    }
  });
});

describe('a worker page whose fleet token the master refuses', () => {
  it('stops for good, says why, and offers Start again', async () => {
    const { page } = await ui.open('/worker#fleet-token=not-the-fleet-token-of-this-master');
    await clickDeep(page, inApp('worker-page', '.control button'));
    // 'Stopped' is also what the page said before Start: wait for the refusal itself, then for the screen.
    await until(async () => (await page.evaluate(() => window.__gridWorker?.refused)) === 'fleet token refused', 'the refusal', 90_000);
    await waitForTexts(page, inApp('worker-page', '.state'), (texts) => texts[0] === 'Stopped', 'the page stopped');
    expect(await waitForTexts(page, inApp('worker-page', '.problem'), (texts) => texts.length === 1, 'the problem')).toEqual([
      'Last problem: master: fleet token refused',
    ]);
    expect(await waitForTexts(page, inApp('worker-page', '.control button'), (texts) => texts.length === 1, 'the control')).toEqual(['Start']);
  });
});
