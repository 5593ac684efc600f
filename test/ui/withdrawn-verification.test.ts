// A job page left open when the master withdraws a done job's verification, in real Chromium against a real master: the
// job's image has expired, so when its verifying volunteer is blacklisted the job stays done but becomes unverified
// (a live "unverified" job event). The page must follow that event and say "unverified", where it kept "verified"
// because it refetched only when the status, attempts, times or image expiry moved.
import { afterAll, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { deepTexts, inApp, waitForTexts } from '../support/browser.ts';
import { getJob, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { ADMIN_TOKEN, smallImage, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ master: { imageRetentionMs: 300, retentionSweepMs: 50 } });
const workers: SyntheticWorker[] = [];
afterAll(() => workers.forEach((worker) => worker.close()));

const BADGE = inApp('job-detail', 'verification-badge', 'span[data-state]');

describe('an open job page when the master withdraws its verification', () => {
  it('changes its "verified" badge and Verification panel to "unverified"', async () => {
    // On a test master one volunteer's answer settles a job.
    const volunteer = await SyntheticWorker.connect({ masterUrl: ui.master.url, onJob: (job, self) => self.succeed(job.header, 281) });
    workers.push(volunteer);
    const [id] = await submit(ui.master.url, uploadsFrom([smallImage.path]));
    await until(async () => (await getJob(ui.master.url, id!)).result?.verification?.state === 'verified', 'the job verified');
    await until(async () => (await getJob(ui.master.url, id!)).imageExpiredAt !== null, 'the image to expire');

    const { page } = await ui.open(`/jobs/${id}`);
    await waitForTexts(page, BADGE, (texts) => texts.length === 1 && texts[0]!.startsWith('verified'), 'the verified badge');

    const revoked = await fetch(`${ui.master.url}/api/workers/${volunteer.welcome.identity.workerId}/revoke`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(revoked.status).toBe(200);

    await waitForTexts(page, BADGE, (texts) => texts.length === 1 && texts[0]!.includes('unverified'), 'the unverified badge', 10_000);
    const [panel] = await deepTexts(page, inApp('job-detail', 'section[aria-labelledby=verification] .explanation'));
    expect(panel, 'the Verification panel').toContain('blacklisted');
  });
});
