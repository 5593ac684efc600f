import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketOf, countBuckets, inTop5 } from '../runner/outcomes.ts';
import { jobRecord } from './job-record-fixture.ts';

describe('outcome buckets', () => {
  it('puts a done job by its top-1 class only', () => {
    expect(bucketOf(jobRecord())).toBe('correct');
    const secondGuess = jobRecord({ top5: [1, 7, 2, 3, 4] });
    expect(bucketOf(secondGuess)).toBe('wrong');
    expect(inTop5(secondGuess)).toBe(true);
  });

  it('tells failed jobs from missing ones', () => {
    expect(bucketOf(jobRecord({ status: 'failed', top5: null }))).toBe('failed');
    expect(bucketOf(jobRecord({ status: 'queued', top5: null }))).toBe('missing');
    expect(bucketOf(jobRecord({ status: 'leased', top5: null }))).toBe('missing');
    expect(bucketOf(jobRecord({ status: null, top5: null }))).toBe('missing'); // acknowledged, then unknown to the master
  });

  it('counts an upload that never got its 201 as unacknowledged, even when the master did the job', () => {
    const orphan = jobRecord({ ackedAt: null });
    expect(bucketOf(orphan)).toBe('unacknowledged');
    expect(inTop5(orphan)).toBe(false);
  });

  it('puts every record in exactly one bucket, so the counts add up to the records', () => {
    const record = fc.record({
      ackedAt: fc.option(fc.nat(), { nil: null }),
      status: fc.constantFrom('queued', 'leased', 'done', 'failed', null),
      top5: fc.option(fc.array(fc.nat(9), { minLength: 5, maxLength: 5 }), { nil: null }),
      trueIndex: fc.nat(9),
    });
    fc.assert(
      fc.property(fc.array(record), (records) => {
        const counts = countBuckets(records);
        expect(Object.keys(counts).sort()).toEqual([...BUCKETS].sort());
        expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(records.length);
        for (const bucket of BUCKETS) expect(counts[bucket]).toBe(records.filter((r) => bucketOf(r) === bucket).length);
      }),
    );
  });
});
