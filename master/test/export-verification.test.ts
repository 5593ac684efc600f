// The board's "Download results (CSV)" (GET /api/jobs/export?format=csv) from a real master run as `npm start` runs it
// (no gold set, one answer enough to end a job), with one stranger's synthetic tab answering: the row of the job it
// settled says "unverified" in its verification column, as the board's badge does, and a job still held leaves it empty.
// The CSV had no such column, so a result no one checked reached the spreadsheet like a trusted one.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { settled, until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';

const grid = useSyntheticGrid();

describe('the CSV export', () => {
  it("gives each done job's verification, and none for a job not done yet", async () => {
    await grid.start({ minChecksToVerify: 1, maxReplicas: 1 });
    const [answered, held] = await grid.submit(2);
    // A stranger's tab: it answers one job and holds the other unanswered.
    await grid.connect({ onJob: (job, self) => job.header.jobId === answered && self.succeed(job.header, 281) });
    await settled(grid.master.url, [answered!], 20_000);
    await until(async () => (await grid.job(held!)).status === 'leased', 'the other job held');

    const csv = await fetch(`${grid.master.url}/api/jobs/export?format=csv`).then((r) => r.text());
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    const row = (id: string) => rows.find((candidate) => candidate.id === id)!;
    expect(row(answered!)).toMatchObject({ status: 'done', verification: 'unverified' });
    expect(row(answered!).label1).not.toBe('');
    expect(row(held!)).toMatchObject({ status: 'leased', verification: '' });
  });
});
