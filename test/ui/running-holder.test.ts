// A running job in real Chromium against a real master, its row on the board and its own page: each names the worker
// holding the job with the class the master gave it (the job's holderClass), as a finished job names the one that
// answered. A volunteer calling itself "headless-1" is marked a volunteer; the fleet's worker is not.
import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { inApp, waitForTexts } from '../support/browser.ts';
import { getJob, submit, until } from '../support/jobs-client.ts';
import { TEST_FLEET_TOKEN } from '../support/test-master.ts';
import { useUiHarness } from '../support/ui-harness.ts';
import { TINY_PNG } from './fixtures.ts';

const ui = useUiHarness();
const holders: SyntheticWorker[] = [];

afterEach(() => {
  for (const holder of holders.splice(0)) holder.terminate();
});

/** Submits one job and has a worker take it and keep it, never answering nor asking for another (credit 1). */
async function heldBy(fileName: string, name: string, hello: { fleetToken?: string } = {}): Promise<string> {
  const [id] = await submit(ui.master.url, [{ name: fileName, bytes: TINY_PNG }]);
  holders.push(await SyntheticWorker.connect({ masterUrl: ui.master.url, name, hello, credit: 1 }));
  await until(async () => (await getJob(ui.master.url, id!)).status === 'leased', `${fileName} leased to ${name}`);
  return id!;
}

describe('a running job', () => {
  // One test: a job a holder left when its test ended goes back to the queue, ahead of the next test's jobs.
  it("names its holder on the board and on the job's page with the master's word on its class", async () => {
    const byVolunteer = await heldBy('by-volunteer.png', 'headless-1');
    const byFleet = await heldBy('by-fleet.png', 'fleet-1', { fleetToken: TEST_FLEET_TOKEN });
    const { page } = await ui.open('/');
    const shown = await waitForTexts(page, inApp('job-row', '.outcome'), (texts) => texts.length === 2, 'two running rows');
    // deepTexts puts a space after each element: the name's own span.
    expect(shown).toEqual(['Running on fleet-1 …', 'Running on headless-1 (volunteer) …']);

    for (const [id, expected] of [
      [byVolunteer, 'Running on headless-1 (volunteer) …'],
      [byFleet, 'Running on fleet-1 …'],
    ]) {
      const { page: jobPage } = await ui.open(`/jobs/${id}`);
      const running = (texts: string[]) => texts.some((text) => text.startsWith('Running on'));
      const lines = await waitForTexts(jobPage, inApp('job-detail', 'p.muted'), running, `the page of ${id}`);
      expect(lines.filter((text) => text.startsWith('Running on'))).toEqual([expected]);
    }
  });
});
