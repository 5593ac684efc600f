// The page's job queue with a stand-in for the browser's decoder (createImageBitmap): which jobs decode ahead,
// and that a decode started for a job that leaves unprocessed has its bitmap freed. The real decoder is
// exercised by test/e2e (worker-memory.test.ts classifies 1,000 jobs in Chromium).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodedImage, JobQueue, type QueuedJob } from '../src/worker-runtime/job-queue.ts';

const bitmaps: { close: ReturnType<typeof vi.fn> }[] = [];

beforeEach(() => {
  bitmaps.length = 0;
  vi.stubGlobal(
    'createImageBitmap',
    vi.fn(async () => {
      const bitmap = { close: vi.fn() };
      bitmaps.push(bitmap);
      return bitmap;
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
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
    const queue = new JobQueue();
    for (const id of ['a', 'b', 'c']) queue.push(job(id));
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()].map((j) => j?.header.jobId)).toEqual(['a', 'b', 'c', undefined]);
    expect(queue.length).toBe(0);
  });

  it('decodes the next two jobs ahead, each once, and the rest on their turn', async () => {
    const queue = new JobQueue();
    const jobs = ['a', 'b', 'c'].map(job);
    for (const j of jobs) queue.push(j);
    queue.decodeAhead();
    queue.decodeAhead();
    expect(createImageBitmap).toHaveBeenCalledTimes(2);
    expect(jobs.map((j) => j.decoding !== undefined)).toEqual([true, true, false]);
    const first = queue.shift()!;
    expect(await decodedImage(first)).toBe(await first.decoding);
    expect(createImageBitmap).toHaveBeenCalledTimes(2);
    await decodedImage(jobs[2]!);
    expect(createImageBitmap).toHaveBeenCalledTimes(3);
  });

  it('drops a cancelled job, freeing its decoded bitmap, and keeps the others', async () => {
    const queue = new JobQueue();
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

  it('frees every decoded bitmap when cleared', async () => {
    const queue = new JobQueue();
    for (const id of ['a', 'b', 'c']) queue.push(job(id));
    queue.decodeAhead();
    queue.clear();
    await settled();
    expect(queue.length).toBe(0);
    expect(bitmaps.map((bitmap) => bitmap.close.mock.calls.length)).toEqual([1, 1]);
  });
});
