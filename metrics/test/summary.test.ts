import { describe, expect, it } from 'vitest';
import { latencyRows, summaryRows, toCsv } from '../runner/csv-tables.ts';
import { duplicateJobs } from '../runner/master-jobs.ts';
import { summarize } from '../runner/summary.ts';
import { formatSummaryTable } from '../runner/summary-table.ts';
import { jobRecord } from './job-record-fixture.ts';

const retried = [
  { startedAt: 1_000, endedAt: 1_100, outcome: 'timeout' as const, status: null, detail: 'timed out' },
  { startedAt: 1_200, endedAt: 1_300, outcome: 'replayed' as const, status: 201, detail: null },
];

const records = [
  jobRecord({ key: 'a' }), // correct
  jobRecord({ key: 'b', intendedAt: 1_100, top5: [1, 2, 3, 4, 7], uploadAttempts: retried }), // wrong, but in the top 5
  jobRecord({ key: 'c', intendedAt: 1_200, top5: [0, 1, 2, 3, 4] }), // wrong
  jobRecord({ key: 'd', intendedAt: 1_300, status: 'failed', top5: null }), // failed
  jobRecord({ key: 'e', intendedAt: 1_400, ackedAt: null, jobId: 'created-anyway', uploadAttempts: [retried[0]!, retried[0]!, retried[0]!] }), // unacknowledged
  jobRecord({ key: 'f', intendedAt: 1_500, ackedAt: null, jobId: null }), // unacknowledged
];
const context = { loss: 0.2, repeat: 1, offeredRate: 10, measuredLoss: null, duplicateJobs: 1 };

describe('loss-rate summary', () => {
  const summary = summarize(records, context);

  it('counts every image sent in one bucket', () => {
    expect(summary.submitted).toBe(6);
    expect(summary.buckets).toEqual({ correct: 1, wrong: 2, failed: 1, missing: 0, unacknowledged: 2 });
    expect(summary.createdButUnacknowledged).toBe(1);
    expect(summary.retries).toBe(1 + 2);
  });

  it('counts the jobs the master holds beyond one per upload key, and prints them', () => {
    const jobs = ['k-0_a.jpg', 'k-1_b.jpg', 'k-1_b.jpg', 'k-2_c.jpg', 'k-2_c.jpg', 'k-2_c.jpg', 'other-0_d.jpg', 'other-0_d.jpg'].map((fileName) => ({
      fileName,
    }));
    // k-1 twice, k-2 three times: three jobs too many; another run's keys are not this one's.
    expect(duplicateJobs(jobs, ['k-0', 'k-1', 'k-2', 'k-3'])).toBe(3);
    expect(duplicateJobs(jobs, ['k-0'])).toBe(0);
    expect(summary.duplicateJobs).toBe(1);
    expect(formatSummaryTable([summary]).split('\n')[0]).toMatch(/ dup jobs /);
  });

  it('prints how many images each latency was taken over, as the slowest, never answered, are not among them', () => {
    // 6 sent: 4 acknowledged (upload times), 3 done (end-to-end times).
    const [header, , row] = formatSummaryTable([summary]).split('\n');
    expect(header).toMatch(/upload p50\/p99 s \(n\)/);
    expect(row).toMatch(/\d\.\d\d\/\d\.\d\d \(4\)\s+\d\.\d\d\/\d\.\d\d \(3\)$/);
  });

  it('scores accuracy over every image sent, and separately over done jobs, with Wilson intervals', () => {
    expect(summary.top1).toMatchObject({ successes: 1, trials: 6 });
    expect(summary.top5).toMatchObject({ successes: 2, trials: 6 });
    expect(summary.top1OfDone).toMatchObject({ successes: 1, trials: 3 });
    expect(summary.top1.low).toBeCloseTo(0.0301, 4);
    expect(summary.top1.high).toBeCloseTo(0.5635, 4);
  });

  it('writes one CSV row per loss rate whose bucket columns match the counts, unknowns left empty', () => {
    const csv = toCsv(summaryRows([summary]))
      .trim()
      .split('\n');
    expect(csv).toHaveLength(2);
    const row = Object.fromEntries(csv[0]!.split(',').map((column, i) => [column, csv[1]!.split(',')[i]]));
    expect(row).toMatchObject({ loss: '0.2', submitted: '6', correct: '1', wrong: '2', failed: '1', missing: '0', unacknowledged: '2', duplicate_jobs: '1' });
    expect(row.measured_forward_loss).toBe('');

    expect(row).toMatchObject({ offered_per_s: '10', completion_window_s: expect.any(String) });
    expect(Number(row.goodput_per_s)).toBeCloseTo(summary.goodput, 3);

    const latency = latencyRows([summary])[0]!;
    expect(latency.upload_count).toBe(4);
    expect(latency.endToEnd_count).toBe(3);
  });

  it('names the unit of every rate and time column', () => {
    // Counts, and fractions (loss, accuracy), have none; everything else must say per second, seconds or milliseconds.
    const unitless =
      /^(loss|repeat|measured_\w+_loss|submitted|correct|wrong|failed|missing|unacknowledged|created_but_unacknowledged|duplicate_jobs|retries|top[15](_of_done)?(_low|_high)?)$/;
    const measured = Object.keys(summaryRows([summary])[0]!).filter((column) => !unitless.test(column));
    expect(measured.sort()).toEqual(
      ['completion_throughput_per_s', 'completion_window_s', 'goodput_per_s', 'offered_per_s', 'submission_rate_per_s', 'submission_window_s'].sort(),
    );
    const times = Object.keys(latencyRows([summary])[0]!).filter((column) => !/^(loss|repeat)$|_count$/.test(column));
    expect(times.filter((column) => !column.endsWith('_ms'))).toEqual([]);
  });
});
