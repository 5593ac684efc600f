import { describe, expect, it } from 'vitest';
import { latencyDistributions, latencySplits } from '../runner/latency.ts';
import { jobRecord } from './job-record-fixture.ts';

describe('latency splits', () => {
  it('splits a done job into upload, queue, transfer, inference and end to end', () => {
    // One clock: intended 1000, 201 at 1300, submitted 1250 (before the 201 reached the client), leased 1500, finished 1700.
    const record = jobRecord({ intendedAt: 1_000, ackedAt: 1_300, submittedAt: 1_250, startedAt: 1_500, finishedAt: 1_700, inferenceMs: 150 });
    expect(latencySplits(record)).toEqual({ upload: 300, queue: 250, transfer: 50, inference: 150, endToEnd: 700 });
  });

  it('has only the upload for an acknowledged job that did not finish, and nothing for an unacknowledged one', () => {
    expect(latencySplits(jobRecord({ ackedAt: 1_080, status: 'failed' }))).toEqual({ upload: 80 });
    expect(latencySplits(jobRecord({ ackedAt: 1_080, status: 'leased' }))).toEqual({ upload: 80 });
    expect(latencySplits(jobRecord({ ackedAt: null }))).toEqual({});
  });

  it('summarises each stage by nearest-rank percentiles over the records that have it', () => {
    const records = Array.from({ length: 10 }, (_, i) =>
      jobRecord({ intendedAt: 0, ackedAt: (i + 1) * 10, status: i < 8 ? 'done' : 'failed', inferenceMs: 100 + i }),
    );
    const stages = latencyDistributions(records);
    expect(stages.upload).toEqual({ count: 10, mean: 55, p50: 50, p90: 90, p99: 100, max: 100 });
    expect(stages.inference).toMatchObject({ count: 8, p50: 103, max: 107 });
  });

  it('reports NaN, not zero, for a stage without data', () => {
    const stages = latencyDistributions([jobRecord({ ackedAt: null })]);
    expect(stages.endToEnd.count).toBe(0);
    expect(stages.endToEnd.p50).toBeNaN();
  });
});
