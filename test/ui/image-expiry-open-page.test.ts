// A job page already open when retention deletes the job's image, in real Chromium against a real master whose
// images are kept 6 s (long enough to see the failed job with its image first, on a busy 2-core machine too): the page hears the expiry from the
// live feed and shows "image expired" in place of the image, with no Retry button that could no longer work.
import { afterAll, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { deepTexts, inApp, waitForTexts } from '../support/browser.ts';
import { getJob, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { TEST_FLEET_TOKEN } from '../support/test-master.ts';
import { smallImage, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ master: { imageRetentionMs: 6_000, retentionSweepMs: 50 } });
const workers: SyntheticWorker[] = [];
afterAll(() => workers.forEach((worker) => worker.close()));

describe('an open job page when its image expires', () => {
  it('switches to "image expired" and takes the Retry button away (found by review: it kept both)', async () => {
    const [id] = await submit(ui.master.url, uploadsFrom([smallImage.path]));
    const { page } = await ui.open(`/jobs/${id}`);
    await waitForTexts(page, inApp('job-detail', 'h1'), (texts) => texts[0] === smallImage.file, 'the job');

    workers.push(
      await SyntheticWorker.connect({
        masterUrl: ui.master.url,
        hello: { fleetToken: TEST_FLEET_TOKEN },
        onJob: (job, self) => self.fail(job.header, 'cannot decode', false),
      }),
    );
    await waitForTexts(page, inApp('job-detail', '.actions button'), (texts) => texts.includes('Retry'), 'the failed job with its Retry button');
    expect(await deepTexts(page, inApp('job-detail', 'figure .expired'))).toEqual([]);
    expect((await getJob(ui.master.url, id!)).imageExpiredAt).toBeNull();

    await until(async () => (await getJob(ui.master.url, id!)).imageExpiredAt !== null, 'the image to expire');
    const [expired] = await waitForTexts(page, inApp('job-detail', 'figure .expired'), (texts) => texts.length === 1, 'the expired image', 10_000);
    expect(expired).toMatch(/Without it the job cannot be retried\.$/);
    expect(await deepTexts(page, inApp('job-detail', 'figure img'))).toEqual([]);
    expect(await deepTexts(page, inApp('job-detail', '.actions button'))).toEqual(['Delete']);
  });
});
