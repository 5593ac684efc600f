// A worker's answer says how long its model ran; the master keeps no more than the time it saw the lease held.
// Through a real master: a volunteer answering at once while claiming 30 s is recorded and credited at most the
// time the job was out, so is its claim for a spot check, and an honest worker that held the job as long as it
// claims keeps its claim exactly; a page's stages are kept only when they add up and fit in that time.
import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { classify, submitColours, useColourGold } from '../../test/support/colour-gold.ts';
import { settled, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import type { VolunteersView, WorkerView } from '../api-types.ts';
import { CLOCK_GRAIN_MS } from '../hub/claimed-times.ts';
import type { PageStages } from '../protocol.ts';
import type { StatsView } from '../stats-api-types.ts';

const uploads = uploadsFrom(devImages(1).map((image) => image.path));
const colourGold = useColourGold();

let master: TestMaster;
let worker: SyntheticWorker | undefined;
afterEach(async () => {
  worker?.terminate();
  await master?.close();
});

const volunteers = (): Promise<VolunteersView> => fetch(`${master.url}/api/volunteers`).then((r) => r.json()) as Promise<VolunteersView>;
const listedWorker = async (): Promise<WorkerView> =>
  ((await fetch(`${master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] }).workers[0]!;

/** Runs one job through a volunteer claiming `claimedMs`; returns what the master recorded and the most it can have seen the job held. */
async function oneJob(claimedMs: number, holdClaimedTime: boolean) {
  master = await startTestMaster();
  worker = await SyntheticWorker.connect({ masterUrl: master.url, credit: 1, holdClaimedTime, onJob: (job, self) => self.succeed(job.header, 1, claimedMs) });
  // The lease is given after the upload starts and the answer taken before the job reads done: the job was held no longer.
  const before = Date.now();
  const [job] = await settled(master.url, await submit(master.url, uploads), 20_000);
  const heldAtMost = Date.now() - before;
  await until(async () => (await volunteers()).totals.images === 1, 'the volunteer credited');
  return { recorded: job!.result!.inferenceMs, credited: (await volunteers()).totals.computeMs, mean: (await listedWorker()).meanInferenceMs!, heldAtMost };
}

describe('claimed inference time', () => {
  it('cuts a volunteer claiming 30 s for an answer sent at once to the time the master saw the job held', async () => {
    const { recorded, credited, mean, heldAtMost } = await oneJob(30_000, false);
    expect(recorded).toBeLessThanOrEqual(heldAtMost + CLOCK_GRAIN_MS);
    expect(credited).toBe(recorded);
    expect(mean).toBe(recorded);
  });

  it('keeps an honest claim exactly: the worker held the job at least as long as it says its model ran', async () => {
    const { recorded, credited, mean } = await oneJob(25, true);
    expect([recorded, credited, mean]).toEqual([25, 25, 25]);
  });

  it('keeps the stages of a page only when they could be true: adding up to its inference time, and with its queue wait within the time held', async () => {
    master = await startTestMaster();
    // Each job is held 40 ms before the answer: an honest page's 30 ms in all fits, a claim of more does not.
    const claims: Record<string, { inferenceMs: number; stages: PageStages }> = {
      honest: { inferenceMs: 20, stages: { queued: 10, decode: 5, preprocess: 5, predict: 8, readback: 2 } },
      'not adding up': { inferenceMs: 20, stages: { queued: 0, decode: 5, preprocess: 5, predict: 800, readback: 2 } },
      'queued for longer than held': { inferenceMs: 20, stages: { queued: 60_000, decode: 5, preprocess: 5, predict: 8, readback: 2 } },
    };
    const names = Object.keys(claims);
    const ids = await submit(master.url, uploadsFrom(devImages(names.length).map((image) => image.path)));
    const claimOf = new Map(ids.map((id, i) => [id, claims[names[i]!]!]));
    const model = ((await fetch(`${master.url}/api/model`).then((r) => r.json())) as { hash: string }).hash;
    worker = await SyntheticWorker.connect({
      masterUrl: master.url,
      credit: 1,
      onJob: (job, self) => {
        const { jobId, leaseId } = job.header;
        const predictions = [{ index: 1, label: 'class 1', probability: 1 }];
        setTimeout(() => self.send({ type: 'result', jobId, leaseId, predictions, ...claimOf.get(jobId)!, backend: 'cpu', model }), 40);
      },
    });
    const jobs = await settled(master.url, ids, 20_000);
    expect(jobs.map((job) => job.result!.inferenceMs)).toEqual([20, 20, 20]);
    expect(jobs.map((job) => job.result!.stages ?? null)).toEqual([claims.honest!.stages, null, null]);
  });

  it("cuts a spot check's claim too: a volunteer claiming 30 s for each check, answered at once, is recorded at most the time it held it", async () => {
    master = await startTestMaster({ goldDir: colourGold.dir(), goldFraction: 0.5 });
    const before = Date.now();
    const ids = await submitColours(master.url, 30);
    // Jobs claim nothing, checks 30 s: whatever the worker's mean holds beyond 0 came from its checks.
    worker = await SyntheticWorker.connect({
      masterUrl: master.url,
      credit: 2,
      onJob: (job, self) => void classify(job).then((index) => self.succeed(job.header, index, ids.includes(job.header.jobId) ? 0 : 30_000)),
    });
    await settled(master.url, ids, 20_000);
    const checks = () => worker!.jobs.length - ids.length;
    const passed = async () => ((await fetch(`${master.url}/api/stats`).then((r) => r.json())) as StatsView).dispatch.spotChecks.passed;
    await until(async () => (await passed()) === checks(), 'every check it answered judged');
    const heldAtMost = Date.now() - before;
    // At GOLD_FRACTION 0.5 over 30 jobs, no spot check at all would be a 1 in 10^9 event.
    expect(checks()).toBeGreaterThan(0);
    const { jobsDone, meanInferenceMs } = await listedWorker();
    expect(jobsDone).toBe(ids.length + checks());
    expect(meanInferenceMs! * jobsDone).toBeLessThanOrEqual(checks() * (heldAtMost + CLOCK_GRAIN_MS));
  });
});
