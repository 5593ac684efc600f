// The submit page, in real Chromium against a real master run as `npm start` runs it (no gold set, one answer enough to
// end a job): the job a visitor's upload became, answered by one volunteer no one checked, shows the "⚠ unverified"
// badge the board and the job page show, where the submit page showed its labels under a plain "done" like a trusted result.
import type { ElementHandle } from 'puppeteer-core';
import type { JobView } from '../../master/api-types.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { inApp, waitForElement, waitForTexts } from '../support/browser.ts';
import { smallImage, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ master: { minChecksToVerify: 1, maxReplicas: 1 } });
const workers: SyntheticWorker[] = [];
afterAll(() => workers.forEach((worker) => worker.close()));

describe('the submit page once a volunteer answered', () => {
  it('marks the result unverified, as the board and the job page do', async () => {
    workers.push(await SyntheticWorker.connect({ masterUrl: ui.master.url, onJob: (job, self) => self.succeed(job.header, 281) }));
    const { page } = await ui.open('/submit');
    const input = await waitForElement(page, inApp('submit-page', 'drop-zone', 'input[type=file]'));
    await (input as ElementHandle<HTMLInputElement>).uploadFile(smallImage.path);

    const badge = inApp('upload-item', 'verification-badge', 'span[data-state=unverified]');
    const [shown] = await waitForTexts(page, badge, (texts) => texts.length === 1, 'the unverified badge');
    expect(shown).toBe('⚠ unverified');
    const { jobs } = (await fetch(`${ui.master.url}/api/jobs`).then((r) => r.json())) as { jobs: JobView[] };
    expect(jobs[0]!.result!.verification!.state, "the master's word").toBe('unverified');
  });
});
