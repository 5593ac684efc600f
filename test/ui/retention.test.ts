// After retention deletes a job's image, in real Chromium against a real master whose images are kept 300 ms: the
// open board hears it and shows "image expired" where the thumbnail was, never a broken image, and offers no retry
// for a failed job without its image; the job page says the image expired and what that means.
import { afterAll, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { axeViolations, deepTexts, inApp, waitForElement, waitForTexts } from '../support/browser.ts';
import { getJob, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { TEST_FLEET_TOKEN } from '../support/test-master.ts';
import { rows, threeImages, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ master: { imageRetentionMs: 300, retentionSweepMs: 50 } });
const workers: SyntheticWorker[] = [];
afterAll(() => workers.forEach((worker) => worker.close()));

describe('a job whose image expired', () => {
  it('shows "image expired" on the open board and on its page, and cannot be retried', async () => {
    const [doneId, failedId] = await submit(ui.master.url, uploadsFrom(threeImages.slice(0, 2).map((image) => image.path)));
    const { page } = await ui.open('/');
    await waitForTexts(page, inApp('job-row'), (texts) => texts.length === 2, 'two rows');
    // The thumbnails are there while the jobs wait.
    await waitForElement(page, inApp('job-row', '.thumb img'), 'a thumbnail');

    workers.push(
      await SyntheticWorker.connect({
        masterUrl: ui.master.url,
        hello: { fleetToken: TEST_FLEET_TOKEN },
        onJob: (job, self) => (job.header.jobId === doneId ? self.succeed(job.header, 281) : self.fail(job.header, 'cannot decode', false)),
      }),
    );
    await until(async () => (await getJob(ui.master.url, failedId!)).imageExpiredAt !== null, 'both images to expire');
    const shown = await waitForTexts(page, inApp('job-row', '.thumb.expired'), (texts) => texts.length === 2, 'two expired thumbnails');
    expect(shown).toEqual(['image expired', 'image expired']);
    expect(await deepTexts(page, inApp('job-row', '.thumb img'))).toEqual([]);
    expect((await rows(page)).some((text) => text.includes('Retry'))).toBe(false);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${ui.master.url}/jobs/${failedId}`);
    const [failed] = await waitForTexts(page, inApp('job-detail', 'figure .expired'), (texts) => texts.length === 1, 'the expired image');
    expect(failed).toMatch(/^Image expired .+: images are deleted a while after their job ends\. Without it the job cannot be retried\.$/);
    expect(await deepTexts(page, inApp('job-detail', '.actions button'))).toEqual(['Delete']);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${ui.master.url}/jobs/${doneId}`);
    const [done] = await waitForTexts(page, inApp('job-detail', 'figure .expired'), (texts) => texts.length === 1, 'the expired image');
    expect(done).toMatch(/The result is kept\.$/);
    expect(await deepTexts(page, inApp('job-detail', 'figure img'))).toEqual([]);
    await waitForTexts(page, inApp('job-detail', 'confidence-bars'), (texts) => texts.length === 1, 'the result');
  });
});
