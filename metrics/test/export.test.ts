// npm run metrics:export against a real master: the CSV files agree with GET /api/stats, and workers.csv lists
// every worker connected (GET /api/workers, page by page).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsView } from '../../master/stats-api-types.ts';
import { settled, submit, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages, projectRoot } from '../../test/support/paths.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import { exportStats } from '../export.ts';
import { SyntheticWorker } from '../synthetic-worker.ts';

// A name that needs quoting in CSV.
const WORKER_NAME = 'lab, "bench" 1';

let master: TestMaster;
let worker: SyntheticWorker;
const outDirs: string[] = [];

beforeAll(async () => {
  master = await startTestMaster();
  worker = await SyntheticWorker.connect({
    masterUrl: master.url,
    name: WORKER_NAME,
    holdClaimedTime: true,
    onJob: (job, self) => self.succeed(job.header, 0, 42),
  });
  const ids = await submit(master.url, uploadsFrom(devImages(5).map((image) => image.path)));
  await settled(master.url, ids, 20_000);
});

afterAll(async () => {
  worker?.terminate();
  await master?.close();
  for (const dir of [master?.dataDir, ...outDirs]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function tempOutDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stats-export-'));
  outDirs.push(dir);
  return dir;
}

const readCsv = (dir: string, file: string) => parse(fs.readFileSync(path.join(dir, file)), { columns: true }) as Record<string, string>[];

const asText = (value: number | string | boolean | null) => (value === null ? '' : String(value));

describe('metrics:export', () => {
  it('writes each snapshot, rows tagged with its sampledAt, agreeing with /api/stats', async () => {
    const outDir = tempOutDir();
    const { written, skipped, last } = await exportStats({ masterUrl: master.url, outDir, intervalSeconds: 0.2, samples: 2 });
    expect({ written, skipped }).toEqual({ written: 2, skipped: 0 });
    expect(fs.readdirSync(outDir).sort()).toEqual(['dispatch.csv', 'histograms.csv', 'latency.csv', 'series.csv', 'workers.csv']);
    const ofLast = (rows: Record<string, string>[]) => rows.filter((row) => row.sampledAt === last.at);

    const series = readCsv(outDir, 'series.csv');
    expect(ofLast(series)).toEqual(
      last.series.map((point, i) => ({
        sampledAt: last.at,
        ...Object.fromEntries(Object.entries(point).map(([k, v]) => [k, asText(v)])),
        until: last.series[i + 1]?.at ?? last.at,
      })),
    );
    expect(ofLast(series).reduce((total, row) => total + Number(row.completed), 0)).toBe(5);

    const latency = ofLast(readCsv(outDir, 'latency.csv'));
    expect(latency.map((row) => row.stage)).toEqual(['queue', 'inference', 'endToEnd']);
    for (const row of latency) {
      const distribution = last.latencyMs[row.stage as keyof StatsView['latencyMs']];
      expect(Number(row.count)).toBe(distribution.count);
      // Milliseconds, as the header says.
      for (const field of ['mean', 'p50', 'p90', 'p99', 'max'] as const) expect(Number(row[`${field}_ms`])).toBe(distribution[field]);
    }
    expect(latency[1]).toMatchObject({ count: '5', p50_ms: '42', max_ms: '42' });

    const histograms = ofLast(readCsv(outDir, 'histograms.csv')).filter((row) => row.stage === 'inference');
    expect(histograms.map((row) => [row.le_ms, Number(row.count)])).toEqual(
      last.histogramsMs.inference.map((bucket) => [bucket.le === null ? '+Inf' : String(bucket.le), bucket.count]),
    );

    const workers = ofLast(readCsv(outDir, 'workers.csv'));
    expect(workers).toMatchObject([{ name: WORKER_NAME, kind: 'volunteer', backend: 'cpu', jobsDone: '5', meanInferenceMs: '42', draining: 'false' }]);

    const dispatch = readCsv(outDir, 'dispatch.csv');
    expect(dispatch).toHaveLength(2);
    expect(dispatch[1]!.sampledAt).toBe(last.at);
    expect(new Set(series.map((row) => row.sampledAt))).toEqual(new Set(dispatch.map((row) => row.sampledAt)));
    expect(dispatch[1]).toMatchObject({ dispatched: '5', completed: '5', failedAttempts: '0', reassignedLost: '0', rejectedStaleLease: '0' });

    // Nothing ran since: a fresh read of the stats agrees with what was written.
    const fresh = (await fetch(`${master.url}/api/stats`).then((r) => r.json())) as StatsView;
    expect(fresh.latencyMs).toEqual(last.latencyMs);
    expect(fresh.dispatch).toEqual(last.dispatch);
  });

  it('writes every worker connected to workers.csv, walking the pages of /api/workers, not only the busiest the stats list', async () => {
    const many = await startTestMaster({ statsWorkersShown: 1, maxWorkersPage: 2 });
    const names = ['w0', 'w1', 'w2', 'w3', 'w4'];
    const connected = await Promise.all(names.map((name) => SyntheticWorker.connect({ masterUrl: many.url, name })));
    try {
      const outDir = tempOutDir();
      const { last } = await exportStats({ masterUrl: many.url, outDir, intervalSeconds: 0, samples: 1, workersPage: 2 });
      expect(last.workers).toHaveLength(1);
      const rows = readCsv(outDir, 'workers.csv');
      expect(rows.map((row) => row.name).sort()).toEqual(names);
      expect(new Set(rows.map((row) => row.id)).size).toBe(names.length);
    } finally {
      for (const worker of connected) worker.terminate();
      await many.close();
      fs.rmSync(many.dataDir, { recursive: true, force: true });
    }
  });

  it("walks the workers of a master whose MAX_WORKERS_PAGE is below the default page, in that master's own pages", async () => {
    const small = await startTestMaster({ maxWorkersPage: 3 });
    const names = ['s0', 's1', 's2', 's3', 's4'];
    const connected = await Promise.all(names.map((name) => SyntheticWorker.connect({ masterUrl: small.url, name })));
    try {
      const outDir = tempOutDir();
      await exportStats({ masterUrl: small.url, outDir, intervalSeconds: 0, samples: 1 });
      expect(
        readCsv(outDir, 'workers.csv')
          .map((row) => row.name)
          .sort(),
      ).toEqual(names);
      // A page size asked for explicitly is the operator's: above the master's maximum it is an error, not adapted.
      await expect(exportStats({ masterUrl: small.url, outDir: tempOutDir(), intervalSeconds: 0, samples: 1, workersPage: 4 })).rejects.toThrow('answered 400');
    } finally {
      for (const worker of connected) worker.terminate();
      await small.close();
      fs.rmSync(small.dataDir, { recursive: true, force: true });
    }
  });

  it('skips a poll that fails after the first, a gap in the series, and fails at once when the first poll does', async () => {
    const going = await startTestMaster();
    try {
      const outDir = tempOutDir();
      const skippedErrors: string[] = [];
      const afterPoll = async (sample: number, skipped?: Error) => {
        if (skipped) skippedErrors.push(skipped.message);
        if (sample === 0) await going.close(); // gone after the first sample
      };
      const result = await exportStats({ masterUrl: going.url, outDir, intervalSeconds: 0, samples: 3, afterPoll });
      expect(result).toMatchObject({ written: 1, skipped: 2 });
      // A poll is refused, or, when it goes out on a kept-alive connection the master has just closed before this
      // process has read its end, fails on that socket (UND_ERR_SOCKET): both say the master is gone.
      const masterGone = expect.stringMatching(/^fetch failed \((ECONNREFUSED|UND_ERR_SOCKET)\)$/);
      expect(skippedErrors).toEqual([masterGone, masterGone]);
      expect(readCsv(outDir, 'dispatch.csv')).toHaveLength(1);

      await expect(exportStats({ masterUrl: going.url, outDir: tempOutDir(), intervalSeconds: 0, samples: 3 })).rejects.toThrow(
        `the first poll of ${going.url} failed: fetch failed (ECONNREFUSED)`,
      );
    } finally {
      fs.rmSync(going.dataDir, { recursive: true, force: true });
    }
  });

  it('runs as a command, and refuses a sample count that is not a positive integer', async () => {
    const run = promisify(execFile);
    const tsx = path.join(projectRoot, 'node_modules/.bin/tsx');
    const outDir = path.join(tempOutDir(), 'live');
    const { stdout } = await run(tsx, ['metrics/export.ts', '--master', master.url, '--out', outDir], { cwd: projectRoot });
    expect(stdout).toContain(`wrote 1 sample(s) of ${master.url} to ${outDir}`);
    expect(readCsv(outDir, 'dispatch.csv')).toMatchObject([{ completed: '5' }]);

    await expect(run(tsx, ['metrics/export.ts', '--master', master.url, '--samples', '0'], { cwd: projectRoot })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("option '--samples <n>' argument '0' is invalid. expected a whole number above 0"),
    });
  });

  it("reads a private board's statistics with the admin token (ADMIN_TOKEN), which are the admin's only there", async () => {
    const adminToken = 'the-admin-token-of-the-export-test';
    const board = await startTestMaster({ board: 'private', adminToken });
    try {
      const run = promisify(execFile);
      const tsx = path.join(projectRoot, 'node_modules/.bin/tsx');
      const outDir = path.join(tempOutDir(), 'private');
      await expect(run(tsx, ['metrics/export.ts', '--master', board.url, '--out', outDir], { cwd: projectRoot })).rejects.toMatchObject({
        stderr: expect.stringContaining('answered 401'),
      });
      const { stdout } = await run(tsx, ['metrics/export.ts', '--master', board.url, '--out', outDir], {
        cwd: projectRoot,
        env: { ...process.env, ADMIN_TOKEN: adminToken },
      });
      expect(stdout).toContain('wrote 1 sample(s)');
    } finally {
      await board.close();
      fs.rmSync(board.dataDir, { recursive: true, force: true });
    }
  });
});
