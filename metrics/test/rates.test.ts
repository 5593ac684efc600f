import { describe, expect, it } from 'vitest';
import { rates } from '../runner/rates.ts';
import { jobRecord } from './job-record-fixture.ts';

describe('submission rate, completion throughput and goodput', () => {
  it('reads exactly the offered rate for a system that answers at once', () => {
    const records = Array.from({ length: 10 }, (_, i) => {
      const at = 5_000 + i * 100;
      return jobRecord({ intendedAt: at, ackedAt: at, submittedAt: at, startedAt: at, finishedAt: at, inferenceMs: 0 });
    });
    const result = rates(records, 10);
    expect(result.submissionRate).toBeCloseTo(10, 10);
    expect(result.completionThroughput).toBeCloseTo(10, 10);
    expect(result.goodput).toBeCloseTo(10, 10);
  });

  it('counts 201s for submission, done jobs for throughput, correct ones for goodput', () => {
    // Offered 10/s: the window opens at 900, one interval before the first send at 1000. Client and master times are
    // on one clock, so the master's finish times end the completion window as they are.
    const records = [
      jobRecord({ intendedAt: 1_000, ackedAt: 1_050, finishedAt: 1_200 }), // correct, done at 1200
      jobRecord({ intendedAt: 1_100, ackedAt: 1_500, finishedAt: 1_900, top5: [3, 7, 0, 0, 0] }), // wrong, done at 1900
      jobRecord({ intendedAt: 1_200, ackedAt: 1_300, status: 'failed', finishedAt: 2_900, top5: null }), // failed: not done
      jobRecord({ intendedAt: 1_300, ackedAt: null, jobId: 'orphan', finishedAt: 9_000 }), // unacknowledged: counts nowhere
      jobRecord({ intendedAt: 1_400, ackedAt: 1_400, status: 'queued', finishedAt: null, top5: null }), // missing
    ];
    const result = rates(records, 10);
    expect(result.submissionWindowSeconds).toBeCloseTo(0.6, 10); // 900 → last 201 at 1500
    expect(result.submissionRate).toBeCloseTo(4 / 0.6, 10);
    expect(result.completionWindowSeconds).toBeCloseTo(1.0, 10); // 900 → last done job at 1900, not the failed one at 2900
    expect(result.completionThroughput).toBeCloseTo(2 / 1.0, 10);
    expect(result.goodput).toBeCloseTo(1 / 1.0, 10);
  });

  it('is zero, not NaN, when nothing was acknowledged or done', () => {
    const result = rates([jobRecord({ ackedAt: null }), jobRecord({ ackedAt: null, intendedAt: 1_100 })], 10);
    expect(result).toEqual({ submissionRate: 0, submissionWindowSeconds: 0, completionThroughput: 0, goodput: 0, completionWindowSeconds: 0 });
  });
});
