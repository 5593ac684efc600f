import { describe, expect, it } from 'vitest';
import type { PageStages } from '../../master/protocol.ts';
import { pageStageMeans } from '../page-stage-means.ts';

const job = (stages?: PageStages) => ({ result: { stages } }) as Parameters<typeof pageStageMeans>[0][number];
const measured = (decode: number, predict: number): PageStages => ({ queued: 1, decode, preprocess: 2, predict, readback: 0.5 });

describe('mean ms per image by page stage', () => {
  it('averages each stage over the jobs whose page measured it', () => {
    const { means, measuredJobs } = pageStageMeans([job(measured(10, 30)), job(measured(20, 50))], ['decode', 'predict']);
    expect(means).toEqual({ decode: 15, predict: 40 });
    expect(measuredJobs).toBe(2);
  });

  it('leaves out a job whose stages the master dropped, rather than counting it as 0 ms', () => {
    // master/hub/claimed-times.ts keeps a result but drops stages that could not be true.
    const { means, measuredJobs } = pageStageMeans([job(measured(10, 30)), job(undefined), job(measured(20, 50))], ['decode', 'predict']);
    expect(means).toEqual({ decode: 15, predict: 40 });
    expect(measuredJobs).toBe(2);
  });

  it('is NaN, not 0 ms, when no page measured anything', () => {
    const { means, measuredJobs } = pageStageMeans([job(undefined)], ['decode']);
    expect(means.decode).toBeNaN();
    expect(measuredJobs).toBe(0);
  });
});
