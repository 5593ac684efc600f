// Pages at phone width (375 px) showing what strangers wrote at its longest: nothing may make the page scroll sideways.
import { describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { MAX_WORKER_NAME_LENGTH } from '../../master/protocol.ts';
import { inApp, VIEWPORTS, waitForTexts } from '../support/browser.ts';
import { settled, submit, uploadsFrom } from '../support/jobs-client.ts';
import { TEST_FLEET_TOKEN } from '../support/test-master.ts';
import { smallImage, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

describe('phone layout', () => {
  it('fits the page of a job done by a worker whose name is as long as the master allows', async () => {
    const name = 'w'.repeat(MAX_WORKER_NAME_LENGTH);
    const worker = await SyntheticWorker.connect({
      masterUrl: ui.master.url,
      name,
      hello: { fleetToken: TEST_FLEET_TOKEN },
      onJob: (job, self) => self.succeed(job.header),
    });
    try {
      const [id] = await submit(ui.master.url, uploadsFrom([smallImage.path]));
      await settled(ui.master.url, [id!], 20_000);
      const { page } = await ui.open(`/jobs/${id}`, 'phone');
      await waitForTexts(page, inApp('job-detail', 'dl'), (texts) => texts.some((text) => text.includes(name)), 'the worker named');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(VIEWPORTS.phone.width);
    } finally {
      worker.terminate();
    }
  });
});
