// A retry that races a change to its job, on a real master and a real store: the router looked the job up and found
// it failed with its image, then the store refused. Its answer follows the store's reason, not a second look at a job
// that may be gone by then.
import { describe, expect, it, vi } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { ADMIN_TOKEN, submit, useLifecycleMasters } from '../../test/support/lifecycle-masters.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';

const { storeConfig, master, worker } = useLifecycleMasters();

describe.each(['sqlite', 'redis'] as const)('on the %s store', (kind) => {
  /** A master holding one job that a trusted worker failed for good. */
  async function withFailedJob() {
    const m = await master(storeConfig(kind === 'redis' ? { url: TEST_REDIS_URL } : undefined));
    const [id] = (await submit(m, 1)) as [string];
    await worker(m, { onJob: (job, self) => self.fail(job.header, 'cannot decode', false) });
    await until(async () => (await m.store.get(id))?.status === 'failed', 'the job to fail');
    return { m, id, retry: () => fetch(`${m.url}/api/jobs/${id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }) };
  }

  it('answers 404 job-not-found for a job deleted between the lookup and the store retrying it', async () => {
    const { m, id, retry } = await withFailedJob();
    const storeRetry = m.store.retry.bind(m.store);
    vi.spyOn(m.store, 'retry').mockImplementationOnce(async (jobId, now) => {
      await m.store.remove(jobId);
      return storeRetry(jobId, now);
    });

    const answer = await retry();
    expect(answer.status).toBe(404);
    expect(await answer.json()).toEqual({ error: { code: 'job-not-found', message: `no job with id ${id}` } });
  });

  it('answers 409 image-expired when the store refused so, though retention purged the job before it was read back', async () => {
    const { m, id, retry } = await withFailedJob();
    vi.spyOn(m.store, 'retry').mockResolvedValueOnce({ refused: 'image-expired' });
    const lookup = await m.store.get(id);
    // The router's lookup finds the job; any later read finds it purged.
    vi.spyOn(m.store, 'get').mockResolvedValueOnce(lookup).mockResolvedValue(null);

    const answer = await retry();
    expect(answer.status).toBe(409);
    expect(await answer.json()).toEqual({
      error: {
        code: 'image-expired',
        message: `the image of job ${id} was deleted just now, a while after the job ended (images are kept only for a time); there is nothing left to retry it on; submit the image again`,
      },
    });
  });
});
