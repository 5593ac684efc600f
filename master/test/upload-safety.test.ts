// Uploads a stranger could send, against a real master on both stores: each gets
// a 4xx with a plain {error: {code, message}} and stores nothing.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { newOwner } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

const STORES = [
  { name: 'sqlite', overrides: () => ({}) },
  { name: 'redis', overrides: () => ({ redisUrl: TEST_REDIS_URL, redisPrefix: `test:${randomUUID()}:` }) },
];

const jpeg = fs.readFileSync(devImages(1)[0]!.path);

/** A multipart body written by hand, so it can be wrong in exactly one way. */
function part(fileName: string, extraHeaders = '', boundary = 'B'): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; ${fileName}\r\n${extraHeaders}Content-Type: image/jpeg\r\n\r\n`),
    jpeg,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

/** A valid PNG whose header declares width × height; its pixel data is a few bytes (a decoder that trusted it would allocate them all). */
function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(Buffer.alloc(1000))), chunk('IEND', Buffer.alloc(0))]);
}

describe.each(STORES)('uploads on $name', ({ overrides }) => {
  let master: TestMaster;
  afterEach(async () => {
    await master?.close();
    if (master?.config.redisUrl) await deleteRedisKeys(master.config.redisPrefix);
  });

  async function upload(files: { name: string; bytes: Uint8Array }[]) {
    const data = new FormData();
    for (const file of files) data.append('image', new Blob([new Uint8Array(file.bytes)]), file.name);
    const response = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: data });
    return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
  }

  async function post(contentType: string, body: Buffer) {
    const response = await fetch(`${master.url}/api/jobs`, { method: 'POST', headers: { 'Content-Type': contentType }, body: new Uint8Array(body) });
    return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
  }

  async function storedJobs(): Promise<number> {
    return Object.values(await master.store.counts()).reduce((sum, count) => sum + count, 0);
  }

  const malformed: [string, string, () => Buffer][] = [
    ['no boundary', 'multipart/form-data', () => part('filename="a.jpg"')],
    ['the wrong boundary', 'multipart/form-data; boundary=X', () => part('filename="a.jpg"')],
    ['a broken part header', 'multipart/form-data; boundary=B', () => Buffer.from('--B\r\nContent-Disposition form-data, no colon\r\n\r\nxx\r\n--B--\r\n')],
    ['a 200 KB part header', 'multipart/form-data; boundary=B', () => part('filename="a.jpg"', `X-Padding: ${'a'.repeat(200_000)}\r\n`)],
    ['a NUL byte in a file name', 'multipart/form-data; boundary=B', () => part('filename="a\u0000b.jpg"')],
    ['a body cut off mid-part', 'multipart/form-data; boundary=B', () => part('filename="a.jpg"').subarray(0, 500)],
  ];
  it.each(malformed)('refuses %s with 400 malformed-multipart and stores nothing', async (_case, contentType, body) => {
    master = await startTestMaster(overrides());
    const answer = await post(contentType, body());
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('malformed-multipart');
    expect(answer.body.error.message).toContain('multipart');
    expect(await storedJobs()).toBe(0);
  });

  it('refuses a file name with a NUL encoded in it (400 bad-file-name) and stores nothing', async () => {
    master = await startTestMaster(overrides());
    const answer = await post('multipart/form-data; boundary=B', part("filename*=utf-8''a%00b.jpg"));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('bad-file-name');
    expect(await storedJobs()).toBe(0);
  });

  const undecodable: [string, () => Buffer][] = [
    ['JPEG magic followed by 10 MB of zeros', () => Buffer.concat([jpeg.subarray(0, 4), Buffer.alloc(10 * 1024 * 1024 - 4)])],
    ['a JPEG cut off halfway', () => jpeg.subarray(0, Math.floor(jpeg.length / 2))],
    ['a PNG whose pixel data is missing', () => pngDeclaring(64, 64).subarray(0, 45)],
  ];
  it.each(undecodable)('refuses %s with 422 undecodable-image and stores nothing', async (_case, bytes) => {
    master = await startTestMaster(overrides());
    const answer = await upload([{ name: 'broken.jpg', bytes: bytes() }]);
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('undecodable-image');
    expect(answer.body.error.message).toContain('"broken.jpg" does not decode');
    expect(await storedJobs()).toBe(0);
  });

  it('refuses a PNG that declares 50,000 × 50,000 pixels from its header (422 image-too-large), storing nothing', async () => {
    master = await startTestMaster(overrides());
    const answer = await upload([{ name: 'huge.png', bytes: pngDeclaring(50_000, 50_000) }]);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toEqual({
      code: 'image-too-large',
      message: '"huge.png" is 50000 × 50000 pixels, wider than the limit of 16384 (MAX_IMAGE_WIDTH); nothing was stored',
    });
    expect(await storedJobs()).toBe(0);
  });

  // The dev image is 496 × 368.
  it.each([
    ['width', { maxImageWidth: 495 }, 'MAX_IMAGE_WIDTH'],
    ['height', { maxImageHeight: 367 }, 'MAX_IMAGE_HEIGHT'],
    ['pixels', { maxImagePixels: 496 * 368 - 1 }, 'MAX_IMAGE_PIXELS'],
  ])('refuses a whole batch when one image passes the %s limit (422 image-too-large), storing none of it', async (_limit, limits, name) => {
    master = await startTestMaster({ ...overrides(), ...limits });
    const small = await sharp(jpeg).resize(100, 100).jpeg().toBuffer();
    const answer = await upload([
      { name: 'small.jpg', bytes: small },
      { name: 'big.jpg', bytes: jpeg },
    ]);
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('image-too-large');
    expect(answer.body.error.message).toContain(name);
    expect(answer.body.error.message).toContain('"big.jpg" is 496 × 368 pixels');
    expect(await storedJobs()).toBe(0);
  });

  it('refuses an Idempotency-Key reused with other images (422 idempotency-key-reused), storing nothing', async () => {
    master = await startTestMaster(overrides());
    // The key is the owner's own: every request comes from one owner.
    const owner = await newOwner(master.url);
    const submit = async (bytes: Uint8Array) => {
      const data = new FormData();
      data.append('image', new Blob([new Uint8Array(bytes)]), 'cat.jpg');
      return fetch(`${master.url}/api/jobs`, { method: 'POST', body: data, headers: { 'Idempotency-Key': 'upload-1', ...owner } });
    };
    const first = await submit(jpeg);
    expect(first.status).toBe(201);
    const other = await submit(await sharp(jpeg).resize(100, 100).jpeg().toBuffer());
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('idempotency-key-reused');
    expect(await storedJobs()).toBe(1);
    const retry = await submit(jpeg);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('keeps a UTF-8 file name intact, as browsers send it', async () => {
    master = await startTestMaster(overrides());
    const data = new FormData();
    data.append('image', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), '猫 café.png');
    const created = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: data });
    expect(created.status).toBe(201);
    const { jobs } = (await created.json()) as { jobs: { id: string; fileName: string }[] };
    expect(jobs[0]!.fileName).toBe('猫 café.png');
    const stored = (await fetch(`${master.url}/api/jobs/${jobs[0]!.id}`).then((r) => r.json())) as { fileName: string };
    expect(stored.fileName).toBe('猫 café.png');
  });
});

describe('methods', () => {
  let master: TestMaster;
  afterEach(async () => {
    await master?.close();
  });

  it.each([
    ['PUT', '/api/jobs', 'POST, GET, DELETE, HEAD'],
    ['PATCH', '/api/jobs/some-id', 'GET, DELETE, HEAD'],
    ['POST', '/api/health', 'GET, HEAD'],
    ['DELETE', '/api/workers', 'GET, HEAD'],
  ])('%s %s answers 405 method-not-allowed with Allow: %s', async (method, path, allow) => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}${path}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('method-not-allowed');
  });

  it('an unknown /api path stays 404 and names the whole path', async () => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}/api/jobs/a/b/c`, { method: 'PUT' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe('no such endpoint: PUT /api/jobs/a/b/c');
  });
});
