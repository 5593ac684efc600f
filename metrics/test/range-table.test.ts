// The table of a study run with --repeats: one row per loss rate, each figure the range over its repeats.
import { describe, expect, it } from 'vitest';
import { formatRangeTable } from '../runner/range-table.ts';
import { summarize } from '../runner/summary.ts';
import { jobRecord } from './job-record-fixture.ts';

const context = { offeredRate: 10, measuredLoss: null, duplicateJobs: 0 };
// Two images a repeat; only the end-to-end time and the correctness of the second image differ between repeats.
const repeat = (loss: number, repeat: number, finishedAt: number, secondCorrect: boolean) =>
  summarize(
    [jobRecord({ loss, repeat, finishedAt }), jobRecord({ loss, repeat, key: 'b', intendedAt: 1_100, finishedAt: 1_200, top5: secondCorrect ? [7] : [1] })],
    { ...context, loss, repeat },
  );

describe('range table over repeats', () => {
  it('gives each figure of a loss rate as min–max over its repeats, one value where they agree, and says how many repeats', () => {
    const table = formatRangeTable([repeat(0, 1, 1_100, true), repeat(0, 2, 1_400, false), repeat(0, 3, 1_250, true), repeat(0.2, 1, 1_100, true)]);
    const [title, header, , first, second] = table.split('\n');
    expect(title).toBe('each figure min–max over the repeats of its loss rate (n: how many; "(k of n)": over the k with data for it)');
    expect(header).toMatch(/^\s*loss\s+n\s+sent\s+correct\s+wrong\s/);
    const cells = (row: string) =>
      Object.fromEntries(
        header!
          .trim()
          .split(/\s{2,}/)
          .map((column, i) => [column, row.trim().split(/\s{2,}/)[i]]),
      );
    // End to end of the first image: 100, 400 and 250 ms; of the second always 100 ms. p99 of two is the slower.
    expect(cells(first!)).toMatchObject({
      loss: '0',
      n: '3',
      sent: '2',
      correct: '1–2',
      wrong: '0–1',
      'end-to-end p99 s': '0.10–0.40',
      'top-1 of sent': '50.0%–100.0%',
    });
    expect(cells(second!)).toMatchObject({ loss: '0.2', n: '1', correct: '2', wrong: '0', 'end-to-end p99 s': '0.10' });
  });

  it('says over how many of its repeats a figure is taken when some repeats have no data for it', () => {
    // No job done in the second repeat: it has no end-to-end time, the other two do (100 and 400 ms).
    const lost = { loss: 0.6, repeat: 2, ackedAt: null, jobId: null, status: null, finishedAt: null, top5: null };
    const none = summarize([jobRecord(lost), jobRecord({ ...lost, key: 'b', intendedAt: 1_100 })], {
      ...context,
      loss: 0.6,
      repeat: 2,
    });
    const table = formatRangeTable([repeat(0.6, 1, 1_100, true), none, repeat(0.6, 3, 1_400, true)]);
    const [, header, , row] = table.split('\n');
    const cells = Object.fromEntries(
      header!
        .trim()
        .split(/\s{2,}/)
        .map((column, i) => [column, row!.trim().split(/\s{2,}/)[i]]),
    );
    expect(cells).toMatchObject({ n: '3', 'end-to-end p99 s': '0.10–0.40 (2 of 3)', sent: '2', correct: '0–2' });
  });
});
