// One short real run of `npm run metrics`: a master, two headless browser
// workers, the client behind a real lossy link at 0 and 20% loss, 20 images
// measured after 4 warm-up uploads. The outputs must exist, parse, and agree
// with the raw records and with the jobs the master itself stored. Needs root
// and nftables, like the study.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, resolveBrowserPath } from '../../headless-worker/browsers.ts';
import type { JobDetailView, JobPage } from '../../master/api-types.ts';
import { BUCKETS } from '../../metrics/runner/outcomes.ts';
import { devImagesDir, projectRoot } from '../support/paths.ts';
import { startTestMaster, type TestMaster } from '../support/test-master.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-run-'));
const outDir = path.join(work, 'out');
const dataDir = path.join(work, 'data');

interface RawRecord {
  loss: number;
  repeat: number;
  key: string;
  trueIndex: number;
  intendedAt: number;
  ackedAt: number | null;
  jobId: string | null;
  status: string | null;
  finishedAt: number | null;
  top5: number[] | null;
  bucket: string;
}

let run: { code: number | null; pid: number; stdout: string; stderr: string };
let records: RawRecord[];
let summary: Record<string, string>[];
let latency: Record<string, string>[];
let master: TestMaster | undefined;

/** Rows of a CSV without quoted commas (the summary has none). */
function readCsv(file: string): Record<string, string>[] {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  return rows.map((row) => Object.fromEntries(row.split(',').map((cell, i) => [columns[i], cell])));
}

/** The bucket from the raw fields alone, without the study's own code. */
function classify(record: RawRecord): string {
  if (record.ackedAt === null) return 'unacknowledged';
  if (record.status === 'done') return record.top5![0] === record.trueIndex ? 'correct' : 'wrong';
  return record.status === 'failed' ? 'failed' : 'missing';
}

beforeAll(async () => {
  const args = ['--import', 'tsx', 'metrics/main.ts', '--images', devImagesDir, '--loss', '0,0.2', '--count', '20', '--rate', '5', '--workers', '2'];
  args.push('--out', outDir, '--data-dir', dataDir, '--probe-packets', '200', '--warm-up-uploads', '4');
  const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  run = { code, pid: child.pid!, stdout, stderr };
  if (code === 0) {
    records = JSON.parse(fs.readFileSync(path.join(outDir, 'records.json'), 'utf8')) as RawRecord[];
    summary = readCsv(path.join(outDir, 'summary.csv'));
    latency = readCsv(path.join(outDir, 'latency.csv'));
  }
}, 300_000);

afterAll(async () => {
  await master?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('npm run metrics', () => {
  it('finishes, prints the summary table and leaves no network namespace behind', () => {
    // The fleet logs its warnings to stdout, after the tables.
    expect(run.code, `${run.stderr}\n${run.stdout.slice(-4000)}`).toBe(0);
    expect(run.stdout).toMatch(/loss\s+measured fwd\/ret\s+sent\s+correct\s+wrong\s+failed\s+missing\s+unacked/);
    expect(run.stdout).toMatch(/^\s+0\.2\s/m);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`-${run.pid}`);
  });

  it('writes the config, the raw records, the two tables and five graphs', async () => {
    const files = fs.readdirSync(outDir).sort();
    expect(files).toEqual(
      [
        'accuracy.svg',
        'config.json',
        'execution-time.svg',
        'goodput.svg',
        'latency.csv',
        'latency.svg',
        'records.json',
        'summary.csv',
        'throughput.svg',
      ].sort(),
    );
    const config = JSON.parse(fs.readFileSync(path.join(outDir, 'config.json'), 'utf8'));
    expect(config.options).toMatchObject({ losses: [0, 0.2], count: 20, ratePerSecond: 5, workers: 2, warmUpUploads: 4, repeats: 1 });
    expect(config).toMatchObject({
      complete: true,
      lossesFinished: [
        { loss: 0, repeat: 1 },
        { loss: 0.2, repeat: 1 },
      ],
      lossesNotRun: [],
    });
    // How many uploads each round sent before its measured ones, and how many of those got through.
    expect(config.warmUp).toEqual([
      { loss: 0, repeat: 1, uploads: 4, acknowledged: 4 },
      { loss: 0.2, repeat: 1, uploads: 4, acknowledged: expect.any(Number) },
    ]);
    expect(config.clock.samples, 'clock probes answered').toBeGreaterThan(0);
    // One machine, one clock; Node may serve the previous second's Date header for a timer's delay past the tick.
    expect(Math.abs(config.clock.offsetMs)).toBeLessThanOrEqual(config.clock.uncertaintyMs + 20);
    expect(latency).toHaveLength(2);

    // Parsed by a real SVG parser: Chromium's DOMParser.
    const browser = await launchBrowser({ executablePath: resolveBrowserPath('chromium'), args: ['--headless=new', '--no-sandbox'], pipe: true });
    try {
      const page = await browser.newPage();
      for (const file of files.filter((name) => name.endsWith('.svg'))) {
        const svg = fs.readFileSync(path.join(outDir, file), 'utf8');
        const parsed = await page.evaluate((text) => {
          const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
          return { root: doc.documentElement.nodeName, errors: doc.getElementsByTagName('parsererror').length, marks: doc.querySelectorAll('path').length };
        }, svg);
        expect(parsed, file).toMatchObject({ root: 'svg', errors: 0 });
        expect(parsed.marks, `${file} draws something`).toBeGreaterThan(0);
      }
    } finally {
      await browser.close();
    }
  });

  it('has one record per image and loss rate, none of them a warm-up upload, and CSV bucket counts equal to the records', () => {
    expect(records).toHaveLength(40);
    expect(records.filter((record) => record.key.includes('warm-up'))).toEqual([]);
    for (const record of records) expect(record.bucket).toBe(classify(record));
    expect(summary.map((row) => [Number(row.loss), Number(row.repeat)])).toEqual([
      [0, 1],
      [0.2, 1],
    ]);
    for (const record of records) expect(record.repeat).toBe(1);
    for (const row of summary) {
      const mine = records.filter((record) => record.loss === Number(row.loss));
      expect(Number(row.submitted)).toBe(mine.length);
      for (const bucket of BUCKETS) {
        expect(Number(row[bucket]), `${bucket} at loss ${row.loss}`).toBe(mine.filter((record) => classify(record) === bucket).length);
      }
      // With the workers on a clean link and TCP under the client, 20% loss still gets every upload through.
      expect(Number(row.correct) + Number(row.wrong), `done at loss ${row.loss}`).toBe(20);
    }
  });

  it('times end to end on the one clock the client and the master share, not shifted by the estimate of an offset', () => {
    // The client's namespace is on this host: its clock is the master's, and the Date-header estimate only adds its error,
    // so a record holds the raw times and no offset to apply to them.
    for (const record of records) expect(record).not.toHaveProperty('clockOffsetMs');
    for (const row of latency) {
      const times = records
        .filter((record) => record.loss === Number(row.loss) && record.ackedAt !== null && record.status === 'done')
        .map((record) => record.finishedAt! - record.intendedAt)
        .sort((a, b) => a - b);
      // Nearest rank, computed here from the raw records.
      expect(Number(row.endToEnd_p50_ms), `end to end p50 at loss ${row.loss}`).toBe(times[Math.ceil(times.length / 2) - 1]);
      expect(Number(row.endToEnd_p99_ms), `end to end p99 at loss ${row.loss}`).toBe(times[Math.ceil(times.length * 0.99) - 1]);
    }
  });

  it('agrees with the jobs the master stored', async () => {
    master = await startTestMaster({ dataDir });
    const withJobs = records.filter((record) => record.jobId !== null);
    const stored = (await Promise.all(withJobs.map((record) => fetch(`${master!.url}/api/jobs/${record.jobId}`).then((r) => r.json())))) as JobDetailView[];
    stored.forEach((job, i) => {
      const record = withJobs[i]!;
      expect(job.status).toBe(record.status);
      if (job.status === 'done') {
        expect(Date.parse(job.finishedAt!)).toBe(record.finishedAt);
        expect(job.result!.predictions.map((prediction) => prediction.index)).toEqual(record.top5);
      }
    });
    // Beside the records' jobs the master holds only the warm-up's, which no record or table counts.
    const recorded = new Set(withJobs.map((record) => record.jobId));
    const listed = (await fetch(`${master.url}/api/jobs?limit=500`).then((r) => r.json())) as JobPage;
    expect(listed.nextCursor).toBeNull();
    const warmUpJobs = listed.jobs.filter((job) => !recorded.has(job.id));
    for (const job of warmUpJobs) expect(job.fileName).toMatch(/-warm-up-\d+_/);
    const config = JSON.parse(fs.readFileSync(path.join(outDir, 'config.json'), 'utf8')) as { warmUp: { acknowledged: number }[] };
    expect(warmUpJobs.length).toBeGreaterThanOrEqual(config.warmUp.reduce((sum, round) => sum + round.acknowledged, 0));
    const health = (await fetch(`${master.url}/api/health`).then((r) => r.json())) as { jobs: Record<string, number> };
    const total = Object.values(health.jobs).reduce((a, b) => a + b, 0);
    expect(total, 'every job in the master belongs to exactly one record or to a warm-up').toBe(recorded.size + warmUpJobs.length);
    expect(health.jobs.done! - warmUpJobs.filter((job) => job.status === 'done').length).toBe(records.filter((record) => record.status === 'done').length);
  });
});
