import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobView } from '../../master/api-types.ts';
import { ApiError } from '../src/api.ts';
import { UploadQueue, type SendImage } from '../src/state/upload-queue.ts';
import { jobView } from '../../test/support/job-view.ts';

interface Pending {
  file: File;
  key: string;
  trustedOnly: boolean;
  progress(loaded: number): void;
  resolve(job: JobView): void;
  reject(error: unknown): void;
}

/** A fake upload whose every request the test answers by hand. */
function fakeSend(): { send: SendImage; pending: Pending[] } {
  const pending: Pending[] = [];
  const send: SendImage = ({ file, key, trustedOnly }, progress) =>
    new Promise((resolve, reject) => pending.push({ file, key, trustedOnly, progress, resolve, reject }));
  return { send, pending };
}

const image = (name: string, size = 100) => new File([new Uint8Array(size)], name, { type: 'image/jpeg' });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => vi.useRealTimers());

describe('UploadQueue', () => {
  it('sends each file on its own, a few at a time', async () => {
    const { send, pending } = fakeSend();
    const queue = new UploadQueue(send, 2);
    queue.add([image('a.jpg'), image('b.jpg'), image('c.jpg')]);
    expect(pending.map((p) => p.file.name)).toEqual(['a.jpg', 'b.jpg']);
    expect(queue.items.map((item) => item.state)).toEqual(['uploading', 'uploading', 'waiting']);

    pending[0]!.resolve(jobView('job-a'));
    await settle();
    expect(pending.map((p) => p.file.name)).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(queue.items[0]).toMatchObject({ state: 'sent', jobId: 'job-a' });
  });

  it('uses a distinct idempotency key per file, and the same one again on retry', async () => {
    const { send, pending } = fakeSend();
    const queue = new UploadQueue(send, 1);
    queue.add([image('a.jpg'), image('b.jpg')]);
    pending[0]!.reject(new ApiError('the master is unreachable', 0, 'unreachable'));
    await settle();
    expect(pending[1]!.key).not.toBe(pending[0]!.key);
    pending[1]!.resolve(jobView('b'));
    await settle();
    queue.retry(queue.items[0]!.key);
    expect(pending[2]!.key).toBe(pending[0]!.key);
  });

  it('sends each file private or not as chosen when it was added, a retry too', async () => {
    const { send, pending } = fakeSend();
    const queue = new UploadQueue(send, 1);
    queue.add([image('open.jpg')]);
    queue.add([image('private.jpg')], { trustedOnly: true });
    pending[0]!.resolve(jobView('open'));
    await settle();
    pending[1]!.reject(new ApiError('the master is unreachable', 0, 'unreachable'));
    await settle();
    queue.retry(queue.items[1]!.key);
    expect(pending.map((p) => [p.file.name, p.trustedOnly])).toEqual([
      ['open.jpg', false],
      ['private.jpg', true],
      ['private.jpg', true],
    ]);
  });

  it('counts progress over the files still in play', async () => {
    const { send, pending } = fakeSend();
    const queue = new UploadQueue(send, 2);
    queue.add([image('a.jpg', 100), image('b.jpg', 300)]);
    pending[1]!.progress(150);
    expect(queue.totals).toMatchObject({ files: 2, sent: 0, loaded: 150, bytes: 400 });
    pending[0]!.resolve(jobView('a'));
    await settle();
    expect(queue.totals).toMatchObject({ sent: 1, loaded: 250 });
    pending[1]!.reject(new ApiError('too big', 413, 'file-too-large'));
    await settle();
    expect(queue.totals).toMatchObject({ sent: 1, failed: 1, loaded: 100, bytes: 100 });
  });

  it("shows the master's reason per file and offers a retry only where it can help", async () => {
    const { send, pending } = fakeSend();
    const queue = new UploadQueue(send, 2);
    queue.add([image('a.png'), image('b.jpg')]);
    pending[0]!.reject(new ApiError('"a.png" is not an image this service can read', 415, 'not-an-image'));
    pending[1]!.reject(new ApiError('the queue holds 10 pending jobs; try again shortly', 503, 'queue-full'));
    await settle();
    expect(queue.items[0]).toMatchObject({
      state: 'failed',
      retryable: false,
      error: 'Not an image the grid can read: "a.png" is not an image this service can read.',
    });
    expect(queue.items[1]).toMatchObject({ state: 'failed', retryable: true });
    queue.retry(queue.items[0]!.key);
    expect(queue.items[0]!.state).toBe('failed');
  });

  it('waits as long as a busy master asks and sends that file again, the others after it, none failed', async () => {
    vi.useFakeTimers();
    const busyUntil = Date.now() + 5000;
    const tried: string[] = [];
    // For its first 5 s the master answers every upload "queue full, retry after 1 s".
    const send: SendImage = async ({ file }) => {
      tried.push(file.name);
      if (Date.now() < busyUntil) throw new ApiError('the queue holds 10 pending jobs; try again shortly', 503, 'queue-full', 1000);
      return jobView(`job-${file.name}`);
    };
    const queue = new UploadQueue(send, 3);
    const names = Array.from({ length: 10 }, (_, i) => `${i}.jpg`);
    queue.add(names.map((name) => image(name)));
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.items[0]).toMatchObject({ state: 'waiting', error: expect.stringContaining('Trying again in 1 s.') });

    await vi.advanceTimersByTimeAsync(4999);
    expect(new Set(tried)).toEqual(new Set(['0.jpg', '1.jpg', '2.jpg']));
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.items.map((item) => item.state)).toEqual(names.map(() => 'sent'));
  });

  it('fails a file the master is busy for when it has waited its tries', async () => {
    vi.useFakeTimers();
    const send: SendImage = async () => {
      throw new ApiError('at most 4 uploads at once from one address', 429, 'too-many-uploads-from-address', 2000);
    };
    const queue = new UploadQueue(send, 1);
    queue.add([image('a.jpg')]);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(queue.items[0]).toMatchObject({ state: 'failed', retryable: true });
  });

  it('refuses files that are plainly not images without sending them', () => {
    const { send, pending } = fakeSend();
    const queue = new UploadQueue(send);
    queue.add([new File(['hello'], 'notes.txt', { type: 'text/plain' })]);
    expect(pending).toHaveLength(0);
    expect(queue.items[0]).toMatchObject({ state: 'failed', retryable: false, error: 'Not an image: this is a text/plain file.' });
  });

  it('announces each new job and clears finished files on request', async () => {
    const { send, pending } = fakeSend();
    const queue = new UploadQueue(send, 1);
    const sent: string[] = [];
    queue.addEventListener('sent', (event) => sent.push((event as CustomEvent<JobView>).detail.id));
    queue.add([image('a.jpg'), image('b.jpg')]);
    pending[0]!.resolve(jobView('job-a'));
    await settle();
    expect(sent).toEqual(['job-a']);
    queue.clearFinished();
    expect(queue.items.map((item) => item.file.name)).toEqual(['b.jpg']);
    expect(queue.busy).toBe(true);
  });
});
