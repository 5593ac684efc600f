// The page's job queue with a stand-in for its decoder (off-thread-decoder.ts, a worker the unit tests cannot
// start): which jobs decode ahead, and that a decode started for a job that leaves unprocessed has its bitmap
// freed. The real decoder is exercised by test/e2e (worker-memory.test.ts classifies 1,000 jobs in Chromium,
// browser-workers.test.ts in Firefox too, and an image neither can decode).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { JobQueue, type QueuedJob } from '../src/worker-runtime/job-queue.ts';

const bitmaps: { close: ReturnType<typeof vi.fn> }[] = [];
const decode = vi.fn(async () => {
  const bitmap = { close: vi.fn() };
  bitmaps.push(bitmap);
  return bitmap as unknown as ImageBitmap;
});

beforeEach(() => {
  bitmaps.length = 0;
  decode.mockClear();
});

const job = (jobId: string): QueuedJob => ({
  header: { jobId, leaseId: `lease-${jobId}`, contentType: 'image/webp' } as QueuedJob['header'],
  image: new Uint8Array([1, 2, 3]),
  session: 1,
  receivedAt: 0,
});

/** Lets the stand-in decodes, and what follows them, settle. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('JobQueue', () => {
  it('hands jobs out in arrival order', () => {
    const queue = new JobQueue(decode);
    for (const id of ['a', 'b', 'c']) queue.push(job(id));
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()].map((j) => j?.header.jobId)).toEqual(['a', 'b', 'c', undefined]);
    expect(queue.length).toBe(0);
  });

  it('decodes the next two jobs ahead, each once, and the rest on their turn', async () => {
    const queue = new JobQueue(decode);
    const jobs = ['a', 'b', 'c'].map(job);
    for (const j of jobs) queue.push(j);
    queue.decodeAhead();
    queue.decodeAhead();
    expect(decode).toHaveBeenCalledTimes(2);
    expect(decode).toHaveBeenCalledWith(jobs[1]!.image, 'image/webp');
    expect(jobs.map((j) => j.decoding !== undefined)).toEqual([true, true, false]);
    const first = queue.shift()!;
    expect(await queue.decoded(first)).toBe(await first.decoding);
    expect(decode).toHaveBeenCalledTimes(2);
    await queue.decoded(jobs[2]!);
    expect(decode).toHaveBeenCalledTimes(3);
  });

  it('drops a cancelled job, freeing its decoded bitmap, and keeps the others', async () => {
    const queue = new JobQueue(decode);
    for (const id of ['a', 'b']) queue.push(job(id));
    queue.decodeAhead();
    queue.cancel('a', 'lease-other');
    expect(queue.length).toBe(2);
    queue.cancel('a', 'lease-a');
    await settled();
    expect(queue.length).toBe(1);
    expect(queue.shift()?.header.jobId).toBe('b');
    expect(bitmaps.map((bitmap) => bitmap.close.mock.calls.length)).toEqual([1, 0]);
  });

  it('marks the job being processed cancelled, as it can no longer be taken out', () => {
    const queue = new JobQueue(decode);
    for (const id of ['a', 'b']) queue.push(job(id));
    const taken = queue.shift()!;
    queue.cancel('a', 'lease-other');
    expect(taken.cancelled).toBeFalsy();
    queue.cancel('a', 'lease-a');
    expect(taken.cancelled).toBe(true);
    expect(queue.shift()?.cancelled).toBeFalsy();
  });

  it('frees every decoded bitmap when cleared', async () => {
    const queue = new JobQueue(decode);
    for (const id of ['a', 'b', 'c']) queue.push(job(id));
    queue.decodeAhead();
    queue.clear();
    await settled();
    expect(queue.length).toBe(0);
    expect(bitmaps.map((bitmap) => bitmap.close.mock.calls.length)).toEqual([1, 1]);
  });
});
