// Hand-made job records for the computation tests: a done, correct job by
// default; each test overrides what it is about.
import type { JobRecord } from '../runner/job-records.ts';

export function jobRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    loss: 0,
    repeat: 1,
    key: 'k',
    image: 'a.JPEG',
    trueIndex: 7,
    intendedAt: 1_000,
    ackedAt: 1_020,
    uploadAttempts: [{ startedAt: 1_000, endedAt: 1_020, outcome: 'created', status: 201, detail: null }],
    jobId: 'job',
    status: 'done',
    leaseOutcomes: ['done'],
    submittedAt: 1_010,
    startedAt: 1_015,
    finishedAt: 1_100,
    inferenceMs: 60,
    top5: [7, 1, 2, 3, 4],
    worker: 'w-1',
    error: null,
    ...overrides,
  };
}
