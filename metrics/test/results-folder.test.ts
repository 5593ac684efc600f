import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeResults } from '../runner/results-folder.ts';
import { summarize } from '../runner/summary.ts';
import { jobRecord } from './job-record-fixture.ts';

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'results-folder-'));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

const calm = [jobRecord(), jobRecord({ key: 'b', intendedAt: 1_100, top5: [1, 2, 3, 4, 5] })].map((r) => ({ ...r, loss: 0 }));
// Nothing got through: every stage empty, rates zero, accuracy intervals [0, 1].
const hopeless = [jobRecord({ ackedAt: null, jobId: null, status: null, top5: null, loss: 0.6 })];

describe('results folder', () => {
  it('writes config, raw records, one CSV row per loss rate and the five graphs, even for a loss rate with no data', async () => {
    const summaries = [
      summarize(calm, { loss: 0, repeat: 1, offeredRate: 10, measuredLoss: null, duplicateJobs: 0 }),
      summarize(hopeless, {
        loss: 0.6,
        repeat: 1,
        offeredRate: 10,
        measuredLoss: { packets: 400, forwardLoss: 0.6, returnLoss: 0.61, roundTripLoss: 0.84 },
        duplicateJobs: 0,
      }),
    ];
    const files = await writeResults(outDir, { note: 'test' }, [...calm, ...hopeless], summaries);
    expect(files.map((file) => path.basename(file)).sort()).toEqual(
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

    const records = JSON.parse(fs.readFileSync(path.join(outDir, 'records.json'), 'utf8')) as { bucket: string }[];
    expect(records.map((r) => r.bucket)).toEqual(['correct', 'wrong', 'unacknowledged']);
    expect(fs.readFileSync(path.join(outDir, 'summary.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    for (const file of files.filter((f) => f.endsWith('.svg'))) {
      const svg = fs.readFileSync(file, 'utf8');
      expect(svg, path.basename(file)).toMatch(/^<svg[^>]+xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>$/);
      expect(svg).not.toContain('NaN');
    }
  });
});
