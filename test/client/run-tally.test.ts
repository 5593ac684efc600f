// The bookkeeping a batch run keeps to its end: counts, and each failure to list. A file that succeeded leaves
// nothing behind, so what a run holds grows with its failures, not with its files.
import { expect, it } from 'vitest';
import type { FileOutcome } from '../../client/batch-submit.ts';
import { RunTally } from '../../client/run-tally.ts';
import { jobView } from '../support/job-view.ts';

const succeeded = (i: number): FileOutcome => ({
  path: `ok-${i}.jpg`,
  jobId: `job-${i}`,
  status: 'done',
  error: null,
  job: jobView(`job-${i}`, { status: 'done' }),
});

it('counts a succeeded file and keeps no record of it', () => {
  const tally = new RunTally();
  for (let i = 0; i < 1000; i++) tally.record(succeeded(i));
  expect({ files: tally.files, succeeded: tally.succeeded, failures: tally.failures }).toEqual({ files: 1000, succeeded: 1000, failures: [] });
  expect(JSON.stringify(tally)).not.toContain('ok-');
});

it('keeps of a failed file its path and why, not its job', () => {
  const tally = new RunTally();
  tally.record(succeeded(1));
  tally.record({
    path: 'bad.jpg',
    jobId: 'job-bad',
    status: 'failed',
    error: 'cannot decode',
    job: jobView('job-bad', { status: 'failed', error: 'cannot decode' }),
  });
  tally.record({ path: 'gone.jpg', jobId: null, status: 'upload-failed', error: 'cannot read the file: ENOENT', job: null });
  expect({ files: tally.files, succeeded: tally.succeeded }).toEqual({ files: 3, succeeded: 1 });
  expect(tally.failures).toStrictEqual([
    { path: 'bad.jpg', error: 'cannot decode' },
    { path: 'gone.jpg', error: 'cannot read the file: ENOENT' },
  ]);
});
