// Each round's warm-up: planned ahead of the measured uploads, and left out of the records and their latencies.
import { describe, expect, it } from 'vitest';
import type { LabelledImage } from '../dataset.ts';
import { buildRecords } from '../runner/job-records.ts';
import { latencyDistributions } from '../runner/latency.ts';
import type { UploadResult } from '../runner/upload-client.ts';
import { countWarmUp, planRoundUploads, sendOrder, splitWarmUp } from '../runner/warm-up.ts';

const images: LabelledImage[] = ['a', 'b', 'c'].map((name, index) => ({ file: `${name}.JPEG`, path: `/images/${name}.JPEG`, index }));

/** An upload acknowledged `uploadMs` after its intended time; none when uploadMs is null. */
function result(key: string, intendedAt: number, uploadMs: number | null): UploadResult {
  const ackedAt = uploadMs === null ? null : intendedAt + uploadMs;
  return { key, intendedAt, ackedAt, jobId: ackedAt === null ? null : `job-${key}`, attempts: [] };
}

describe('warm-up uploads', () => {
  it('go first, under keys of their own, and the measured uploads are one per image in order', () => {
    const round = planRoundUploads(images, 'run-0', 4);
    // More warm-up uploads than images: the images again from the first.
    expect(round.warmUp.map((upload) => [upload.key, upload.path])).toEqual([
      ['run-0-warm-up-0', '/images/a.JPEG'],
      ['run-0-warm-up-1', '/images/b.JPEG'],
      ['run-0-warm-up-2', '/images/c.JPEG'],
      ['run-0-warm-up-3', '/images/a.JPEG'],
    ]);
    expect(round.measured.map((upload) => [upload.key, upload.fileName])).toEqual([
      ['run-0-0', 'run-0-0_a.JPEG'],
      ['run-0-1', 'run-0-1_b.JPEG'],
      ['run-0-2', 'run-0-2_c.JPEG'],
    ]);
    // The client sends them in this order, one open-loop schedule: every warm-up upload before the first measured one.
    expect(sendOrder(round).map((upload) => upload.key)).toEqual([
      'run-0-warm-up-0',
      'run-0-warm-up-1',
      'run-0-warm-up-2',
      'run-0-warm-up-3',
      'run-0-0',
      'run-0-1',
      'run-0-2',
    ]);
    // A job's key is its file name up to the first "_" (master-jobs.ts uploadKey).
    for (const upload of [...round.warmUp, ...round.measured]) expect(upload.key).not.toContain('_');
    expect(planRoundUploads(images, 'run-0', 0).warmUp).toEqual([]);
  });

  it('are not in the measured records, nor in their latencies, and are counted for config.json', () => {
    const round = planRoundUploads(images, 'run-1', 2);
    // The client reports in any order; the warm-up pays the start-up cost (300 ms, 90 ms), one of them never acknowledged.
    const reported = [
      result('run-1-1', 1_300, 30),
      result('run-1-warm-up-1', 1_100, 90),
      result('run-1-0', 1_200, 30),
      result('run-1-warm-up-0', 1_000, null),
      result('run-1-2', 1_400, 40),
    ];
    const { warmUp, measured } = splitWarmUp(reported, round);
    expect(warmUp.map((upload) => upload.key)).toEqual(['run-1-warm-up-0', 'run-1-warm-up-1']);
    expect(countWarmUp(warmUp)).toEqual({ uploads: 2, acknowledged: 1 });

    const records = buildRecords({ loss: 0, repeat: 1, images, uploads: measured, acknowledged: new Map(), unacknowledgedButCreated: new Map() });
    expect(records.map((record) => [record.key, record.image])).toEqual([
      ['run-1-0', 'a.JPEG'],
      ['run-1-1', 'b.JPEG'],
      ['run-1-2', 'c.JPEG'],
    ]);
    expect(latencyDistributions(records).upload).toMatchObject({ count: 3, p99: 40, max: 40 });
  });

  it('refuse a client report that lacks an upload of the plan', () => {
    const round = planRoundUploads(images, 'run-2', 1);
    const reported = round.measured.map((upload, i) => result(upload.key, 1_000 + i * 100, 30));
    expect(() => splitWarmUp(reported, round)).toThrow('the upload client reported nothing for run-2-warm-up-0');
  });
});
