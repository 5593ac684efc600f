// The batch client's CSV results file has the columns of the master's CSV export that a row of it can fill: each
// file's top-5 predictions and, for a job done, its verification (trusted, verified, unverified), as the export says it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterAll, expect, it } from 'vitest';
import type { FileOutcome } from '../../client/batch-submit.ts';
import { openResults } from '../../client/results-file.ts';
import type { JobResult } from '../../master/api-types.ts';
import { JOB_COLUMNS } from '../../master/http/job-rows.ts';
import { jobView } from '../support/job-view.ts';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'results-file-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

const result = (state: 'trusted' | 'verified' | 'unverified'): JobResult => ({
  predictions: [{ index: 281, label: 'tabby', probability: 0.9 }],
  model: 'm',
  backend: 'wasm',
  inferenceMs: 3,
  verification: { state, credibility: 0.99, replicas: [] },
});

it("writes each done job's verification, as the master's CSV export does, and none for a file without a done job", async () => {
  const outcomes: FileOutcome[] = [
    { path: 'a.jpg', jobId: 'a', status: 'done', error: null, job: jobView('a', { status: 'done', result: result('verified') }) },
    { path: 'b.jpg', jobId: 'b', status: 'done', error: null, job: jobView('b', { status: 'done', result: result('unverified') }) },
    { path: 'c.jpg', jobId: 'c', status: 'failed', error: 'cannot decode', job: jobView('c', { status: 'failed', error: 'cannot decode' }) },
    { path: 'd.jpg', jobId: null, status: 'upload-failed', error: 'refused', job: null },
  ];
  const file = path.join(folder, 'results.csv');
  const results = openResults(file, (error) => expect.fail(error.message));
  outcomes.forEach((outcome) => results.write(outcome));
  await results.close();

  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
  expect(Object.keys(rows[0]!)).toContain('verification');
  expect(JOB_COLUMNS).toContain('verification');
  expect(rows.map((row) => [row.path, row.label1, row.verification])).toEqual([
    ['a.jpg', 'tabby', 'verified'],
    ['b.jpg', 'tabby', 'unverified'],
    ['c.jpg', '', ''],
    ['d.jpg', '', ''],
  ]);
});

it.each(['csv', 'jsonl'])(
  'a .%s whose writes fail (a full disk) says so at once, in plain words, closes with the reason, and abandoned leaves the old file whole',
  async (format) => {
    const file = path.join(folder, `full.${format}`);
    fs.writeFileSync(file, 'the run before\n');
    // The partial file is named after this process: made the full device, it opens and every write to it fails with ENOSPC.
    const partial = path.join(folder, `.full.${format}.${process.pid}.partial`);
    fs.symlinkSync('/dev/full', partial);
    let failed: (error: Error) => void = () => {};
    const writeError = new Promise<Error>((resolve) => (failed = resolve));
    const results = openResults(file, (error) => failed(error));
    results.write({ path: 'a.jpg', jobId: 'a', status: 'queued', error: null, job: jobView('a') });
    const reason = `cannot write the results file ${file}: ENOSPC: no space left on device, write`;
    // Before the rows end: a run can stop at the first row it cannot write.
    expect((await writeError).message).toBe(reason);
    await expect(results.close()).rejects.toThrow(reason);
    results.abandon();
    expect(fs.readFileSync(file, 'utf8')).toBe('the run before\n');
    expect(fs.existsSync(partial)).toBe(false);
  },
);

it('on stdout, waits for a reader that does not keep up rather than hold the rows in memory, then writes them all', async () => {
  // A reader that takes nothing until the test lets it: what a pipe to a slow or stopped reader does.
  const held: (() => void)[] = [];
  let reading = false;
  let received = '';
  const stdout = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      received += chunk.toString();
      if (reading) callback();
      else held.push(callback);
    },
  });
  const results = openResults(undefined, (error) => expect.fail(error.message), stdout);
  let taken = 0;
  const writing = (async () => {
    for (let i = 0; i < 5000; i++) {
      await results.write({ path: `${i}.jpg`, jobId: `job-${i}`, status: 'queued', error: null, job: jobView(`job-${i}`) });
      taken++;
    }
  })();
  await new Promise((resolve) => setImmediate(resolve));
  // Rows of about 40 bytes: the writer stops taking them once the buffers on the way are full (the stringifier's 16 KiB
  // and the reader's 1 KiB hold some 450), not after all 5000.
  expect(taken).toBeLessThan(1000);
  reading = true;
  held.splice(0).forEach((callback) => callback());
  await writing;
  await results.close();
  expect(taken).toBe(5000);
  expect(parse(received, { columns: true })).toHaveLength(5000);
});
