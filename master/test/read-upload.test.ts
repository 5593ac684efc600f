// Reading an uploaded file (read-upload.ts): the bytes are the file's either way, a small file is read without
// waiting for libuv's threadpool and a large one through it, and a file that is gone rejects, never throws.
import { pbkdf2 } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_PLACE_READ_MAX_BYTES, readUpload } from '../images/read-upload.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'read-upload-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function upload(name: string, size: number) {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) % 256;
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return { file: { path: file, size }, bytes };
}

/**
 * Occupies every thread of libuv's pool with CPU work; resolves when the first thread is free again, and `all` when
 * every one is. Work queued after it waits at least for the first.
 */
function busyThreadpool(): { first: Promise<void>; all: Promise<void> } {
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const one = () => new Promise<void>((resolve, reject) => pbkdf2('p', 's', 400_000, 32, 'sha512', (error) => (error ? reject(error) : resolve())));
  const each = Array.from({ length: threads }, one);
  return { first: Promise.race(each), all: Promise.all(each).then(() => {}) };
}

/** Which of the two settles first. */
const first = (a: Promise<unknown>, b: Promise<unknown>) => Promise.race([a.then(() => 'read' as const), b.then(() => 'threadpool' as const)]);

describe('readUpload', () => {
  it.each([0, 1, IN_PLACE_READ_MAX_BYTES, IN_PLACE_READ_MAX_BYTES + 1, 3 * IN_PLACE_READ_MAX_BYTES])('returns the bytes of a %i-byte file', async (size) => {
    const { file, bytes } = upload(`exact-${size}`, size);
    expect((await readUpload(file)).equals(bytes)).toBe(true);
  });

  it.each([
    { size: IN_PLACE_READ_MAX_BYTES, how: 'in place, before a busy threadpool frees a thread', first: 'read' },
    { size: IN_PLACE_READ_MAX_BYTES + 1, how: 'through the threadpool, so the event loop never stalls on it', first: 'threadpool' },
  ])('reads a $size-byte file $how', async ({ size, first: expected }) => {
    const { file, bytes } = upload(`timed-${size}`, size);
    const busy = busyThreadpool();
    const read = readUpload(file);
    expect(await first(read, busy.first)).toBe(expected);
    expect((await read).equals(bytes)).toBe(true);
    await busy.all;
  });

  it('rejects, without throwing, when the file is gone', async () => {
    const gone = { path: path.join(dir, 'never-written'), size: 10 };
    let call: Promise<Buffer> | undefined;
    expect(() => (call = readUpload(gone))).not.toThrow();
    await expect(call).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
