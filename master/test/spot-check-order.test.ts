// Spot checks must be indistinguishable from jobs, their place in a burst of frames included: a page can force bursts
// (credit 0, answer everything, credit 8), and if the checks always came after the jobs of a burst, a liar would lie
// on its first frames and answer the tail honestly, almost never caught. Through the real master, with gold of its own
// and a synthetic volunteer that answers honestly and toggles its credit.
import { describe, expect, it } from 'vitest';
import { classify, submitColours, useColourGold } from '../../test/support/colour-gold.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { SyntheticJob, SyntheticWorker } from '../../metrics/synthetic-worker.ts';

const colourGold = useColourGold();
const grid = useTestMasters();

const CREDIT = 8;
const BURSTS = 6;
/** Frames answered at once before the bursts, in credits' worth. */
const WARM_UP = 2;
/**
 * Bursts before those counted: the dispatcher deals a worker twice what it served in its last batch (1, 2, 4, then 8),
 * so the first bursts after the warm-up come in several batches; from then on each is dealt in one.
 */
const PRIMERS = 3;

describe('the order of spot checks within a burst', () => {
  it('puts a spot check before a job in some burst of a volunteer that forces bursts', async () => {
    // GOLD_FRACTION 0.5 for the proven and the unproven alike: each of a burst's 8 slots is a check with probability 1/2,
    // independently. Sent in the order of their slots, a burst shows no check before a job only when it is k jobs then
    // 8 − k checks (k = 0…8): 9 of the 256 equally likely patterns. No burst of 6 doing so: (9/256)^6 ≈ 1.9e-9.
    // With the checks pushed after the jobs (the bug), every burst is such a pattern, and the test fails every time.
    const m = await grid.start('sqlite', { goldDir: colourGold.dir(), goldFraction: 0.5, goldFractionNew: 0.5 });
    // More jobs than the warm-up (its 16 answers and at most 8 frames in flight) and 3 + 6 bursts of 8 can take: real jobs
    // stay queued (a check only while they are), and every slot is served.
    const ids = new Set(await submitColours(m.url, (WARM_UP + 1 + PRIMERS + BURSTS) * CREDIT));
    const answer = async (job: SyntheticJob, self: SyntheticWorker) => self.succeed(job.header, await classify(job));
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const bursts: string[] = [];
    let burst: SyntheticJob[] = [];
    let warm = 0;
    let bursting = false;
    let done: () => void;
    const allDone = new Promise<void>((resolve) => (done = resolve));
    /** With credit 0 sent: time for every answer sent to be settled, then credit 8, and the next frames come as one burst. */
    const nextBurst = async (self: SyntheticWorker) => {
      await pause(300);
      bursting = true;
      self.send({ type: 'credit', credit: CREDIT });
    };
    await grid.connect(m, {
      name: 'burst-forcer',
      credit: CREDIT,
      onJob: (job, self) => {
        if (!bursting) {
          // Warm-up: the master trusts a new worker with 2 frames at a time, one more per answer (WorkerSession's
          // window). Answered at once until the window is past the credit, then the bursts begin.
          void answer(job, self).then(() => {
            if (++warm !== WARM_UP * CREDIT) return;
            self.send({ type: 'credit', credit: 0 });
            void nextBurst(self);
          });
          return;
        }
        burst.push(job);
        if (burst.length < CREDIT) return;
        const frames = burst;
        burst = [];
        bursts.push(frames.map((frame) => (ids.has(frame.header.jobId) ? 'J' : 'C')).join(''));
        if (bursts.length === PRIMERS + BURSTS) return done();
        bursting = false;
        void (async () => {
          self.send({ type: 'credit', credit: 0 });
          for (const frame of frames) await answer(frame, self);
          await nextBurst(self);
        })();
      },
    });
    await allDone;
    const counted = bursts.slice(PRIMERS);
    expect(counted, 'a check before a job in some burst').toContainEqual(expect.stringMatching(/C.*J/));
    // It was an honest volunteer, given checks all along (at 1/2 of the 48 slots counted, none at all is a 1 in 10^14 event).
    const stats = (await fetch(`${m.url}/api/stats`).then((r) => r.json())) as { dispatch: { spotChecks: { given: number; failed: number } } };
    expect(stats.dispatch.spotChecks.given).toBeGreaterThan(0);
    expect(stats.dispatch.spotChecks.failed).toBe(0);
  });
});
