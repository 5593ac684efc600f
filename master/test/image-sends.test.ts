// Images sent to clients that never read, against a real master on both stores: the bytes held for image
// responses stay within MAX_IMAGE_BYTES_IN_FLIGHT (past it, 503 in plain words) and, for one address, within
// MAX_IMAGE_BYTES_PER_ADDRESS (past it, 429, while other addresses are served), and a response whose client takes
// nothing for IMAGE_SEND_STALL_MS is cut off, so the budget is free again and the image is sent whole to the next.
// A client that hangs up while its image is read holds its share until the read has ended.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { holdCalls } from '../../test/support/held-calls.ts';
import { until } from '../../test/support/jobs-client.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';
import type { Config } from '../config.ts';

const STORES = [
  { name: 'sqlite', overrides: () => ({}) },
  { name: 'redis', overrides: () => ({ redisUrl: TEST_REDIS_URL, redisPrefix: `test:${randomUUID()}:` }) },
];

/** A JPEG of noise (seeded) of about 8 MB: more than the kernel's buffers take from a client that never reads (some 4 MB on loopback). */
async function noiseJpeg(): Promise<Buffer> {
  const side = 2400;
  const pixels = Buffer.alloc(side * side * 3);
  let seed = 1;
  for (let i = 0; i < pixels.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    pixels[i] = seed >>> 24;
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 100 })
    .toBuffer();
}

let jpeg: Buffer;
beforeAll(async () => {
  jpeg = await noiseJpeg();
});

describe.each(STORES)('image responses on $name', ({ overrides }) => {
  let master: TestMaster | undefined;
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await master?.close();
    if (master?.config.redisUrl) await deleteRedisKeys(master.config.redisPrefix);
    master = undefined;
  });

  async function start(settings: Partial<Record<keyof Config, unknown>>): Promise<string> {
    master = await startTestMaster({ ...overrides(), maxUploadBytes: jpeg.length, ...settings });
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(jpeg)]), 'noise.jpg');
    const answer = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: form });
    expect(answer.status).toBe(201);
    return ((await answer.json()) as { jobs: { id: string }[] }).jobs[0]!.id;
  }

  /** Asks for the image from `from` and never reads the answer: the socket stops reading before a byte arrives. */
  async function holdImage(id: string, from: string): Promise<void> {
    const socket = net.connect({ host: '127.0.0.1', port: master!.port, localAddress: from });
    sockets.push(socket);
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write(`GET /api/jobs/${id}/image HTTP/1.1\r\nHost: x\r\n\r\n`);
  }

  /**
   * The image asked for, by default from another loopback address than holdImage's, read whole (node:http: fetch turns a
   * conditional request into a no-cache one).
   */
  function image(
    id: string,
    headers: Record<string, string> = {},
    localAddress = '127.0.0.1',
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      http
        .get(`${master!.url}/api/jobs/${id}/image`, { headers, agent: false, localAddress }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        })
        .on('error', reject);
    });
  }

  it('hold at most MAX_IMAGE_BYTES_IN_FLIGHT for clients that never read (then 503), and cut them off after IMAGE_SEND_STALL_MS', async () => {
    // Room for two copies of the image, not three.
    const id = await start({ maxImageBytesInFlight: Math.floor(jpeg.length * 2.5), imageSendStallMs: 3_000 });
    for (let i = 0; i < 4; i++) await holdImage(id, '127.0.0.2');

    await until(async () => (await image(id)).status === 503, 'the readers that never read to hold the budget');
    const refused = await image(id);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(JSON.parse(refused.body.toString())).toEqual({ error: { code: 'too-many-image-bytes', message: expect.any(String) } });

    // They take nothing, so they are cut off; the budget is free again and the image is sent whole.
    await until(async () => (await image(id)).status === 200, 'the stalled responses to be cut off', 60_000);
    const sent = await image(id);
    expect(sent.status).toBe(200);
    expect(sent.headers['content-type']).toBe('image/jpeg');
    expect(sent.body.equals(jpeg)).toBe(true);
  });

  it('hold at most MAX_IMAGE_BYTES_PER_ADDRESS for one address (then 429), and go on serving the others', async () => {
    // The budget has room for three copies, one address for one.
    const id = await start({ maxImageBytesInFlight: Math.floor(jpeg.length * 3.5), maxImageBytesPerAddress: Math.floor(jpeg.length * 1.5) });
    for (let i = 0; i < 3; i++) await holdImage(id, '127.0.0.2');

    await until(async () => (await image(id, {}, '127.0.0.2')).status === 429, 'the reader that never reads to hold its share');
    const refused = await image(id, {}, '127.0.0.2');
    expect(refused.headers['retry-after']).toBe('2');
    expect(JSON.parse(refused.body.toString())).toEqual({
      error: { code: 'too-many-image-bytes-from-address', message: expect.stringContaining('as many image bytes as one address may be') },
    });
    // Another address is served whole, twice at once.
    const [one, two] = await Promise.all([image(id), image(id, {}, '127.0.0.3')]);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(one.body.equals(jpeg) && two.body.equals(jpeg)).toBe(true);
  });

  it('keep the share of a client that hung up while its image was read until the read has ended', async () => {
    const id = await start({ maxImageBytesPerAddress: jpeg.length });
    const reads = holdCalls(master!.store, 'image');
    await holdImage(id, '127.0.0.4');
    await until(() => reads.count() === 1, 'the image to be read');
    sockets.pop()!.destroy();

    // The read goes on, its bytes on their way into memory: that address's share is still taken.
    let meanwhile: Awaited<ReturnType<typeof image>> | undefined;
    void image(id, {}, '127.0.0.4').then((answer) => (meanwhile = answer));
    await until(() => meanwhile !== undefined || reads.count() > 1, 'an answer, or a second read');
    expect(reads.count()).toBe(1);
    expect([meanwhile!.status, JSON.parse(meanwhile!.body.toString()).error.code]).toEqual([429, 'too-many-image-bytes-from-address']);
    reads.release();
    await until(async () => (await image(id, {}, '127.0.0.4')).status === 200, 'the share given back once the read ended');
  });

  it('answer HEAD from the job, reading no image: it is answered even while readers that never read hold the budget', async () => {
    const id = await start({ maxImageBytesInFlight: Math.floor(jpeg.length * 1.5) });
    await holdImage(id, '127.0.0.2');
    await until(async () => (await image(id)).status === 503, 'the reader that never reads to hold the budget');
    const head = await new Promise<http.IncomingMessage>((resolve, reject) =>
      http.request(`${master!.url}/api/jobs/${id}/image`, { method: 'HEAD', agent: false }, resolve).on('error', reject).end(),
    );
    // Before: 503 too-many-image-bytes, the HEAD's bytes counted and read as a GET's, then dropped by Node.
    expect([head.statusCode, head.headers['content-type'], head.headers['content-length'], head.headers.etag]).toEqual([
      200,
      'image/jpeg',
      String(jpeg.length),
      `"${id}"`,
    ]);
  });

  it("name an image by its job's id (a strong ETag), and answer 304 to a client that has it", async () => {
    const id = await start({});
    const first = await image(id);
    expect([first.status, first.headers.etag]).toEqual([200, `"${id}"`]);
    expect(first.body.equals(jpeg)).toBe(true);
    const again = await image(id, { 'If-None-Match': `"${id}"` });
    expect([again.status, again.body.length]).toEqual([304, 0]);
  });
});
