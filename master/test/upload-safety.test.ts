// Uploads a stranger could send, against a real master on both stores: each gets
// a 4xx with a plain {error: {code, message}} and stores nothing, and leaves no
// file of it behind (uploads are written to disk as they arrive); a big upload
// is stored whole and survives a restart.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { incomingDir, MAX_TEXT_FIELD_BYTES, MAX_TEXT_FIELDS } from '../http/upload.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { newOwner, until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../../test/support/test-master.ts';

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

/** The same JPEG with a comment naming `n` after its start-of-image marker: distinct bytes, still a valid image. */
function numbered(image: Buffer, n: number): Buffer {
  const comment = Buffer.from(`upload ${n}`);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([image.subarray(0, 2), segment, comment, image.subarray(2)]);
}

describe.each(STORES)('uploads on $name', ({ name, overrides }) => {
  let master: TestMaster;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(() => redis.quit());
  afterEach(async () => {
    await master?.close();
    if (master?.config.redisUrl) await deleteRedisKeys(master.config.redisPrefix);
  });

  /** Image files (sqlite) or image keys (Redis), originals and prepared images, stored or on their way in. */
  async function imagesHeld(): Promise<number> {
    if (name === 'sqlite') return fs.readdirSync(path.join(master.dataDir, 'images')).length;
    const keys = new RedisKeys(master.config.redisPrefix);
    return (await redis.hlen(keys.images)) + (await redis.hlen(keys.prepared)) + (await redis.keys(keys.incoming('*'))).length;
  }

  const incomingFiles = () => fs.readdirSync(incomingDir(master.dataDir));

  /** Every file an upload wrote is deleted once its request has ended (just after the answer, or after a hang-up). */
  const incomingEmptied = () => until(() => incomingFiles().length === 0, 'the incoming folder to be emptied');

  /** No job, no image, and no file of the upload left. */
  async function expectNothingStored(): Promise<void> {
    expect(await storedJobs()).toBe(0);
    await incomingEmptied();
    expect(await imagesHeld()).toBe(0);
  }

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
    await expectNothingStored();
  });

  it('refuses a file name with a NUL encoded in it (400 bad-file-name) and stores nothing', async () => {
    master = await startTestMaster(overrides());
    const answer = await post('multipart/form-data; boundary=B', part("filename*=utf-8''a%00b.jpg"));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('bad-file-name');
    await expectNothingStored();
  });

  // U+202E turns the rest around: "cat\u202Egnp.exe.png" shows as "catexe.png" (reversed: "gnp.exe"); U+2028 breaks a line.
  it.each([
    ['a bidi override', "filename*=utf-8''cat%E2%80%AEgnp.exe.png"],
    ['a zero-width space', "filename*=utf-8''cat%E2%80%8B.png"],
    ['a line separator', "filename*=utf-8''cat%E2%80%A8.png"],
  ])('refuses a file name with %s (400 bad-file-name, in plain words) and stores nothing', async (_case, fileName) => {
    master = await startTestMaster(overrides());
    const answer = await post('multipart/form-data; boundary=B', part(fileName));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({
      code: 'bad-file-name',
      message: 'a file name holds a control or formatting character (a line break, a bidi override); nothing was stored',
    });
    await expectNothingStored();
  });

  it('refuses a file name longer than MAX_FILE_NAME_CHARS (400 bad-file-name), and takes one as long, counted in characters', async () => {
    master = await startTestMaster(overrides());
    const answer = await upload([{ name: `${'a'.repeat(996)}.jpg`, bytes: jpeg }]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({
      code: 'bad-file-name',
      message: 'a file name is longer than 255 characters (MAX_FILE_NAME_CHARS); nothing was stored',
    });
    await expectNothingStored();
    // 255 characters, 251 of them cats of two UTF-16 units each.
    const longest = `${'🐈'.repeat(251)}.jpg`;
    const accepted = await upload([{ name: longest, bytes: jpeg }]);
    expect(accepted.status).toBe(201);
    expect((accepted.body as unknown as { jobs: { fileName: string }[] }).jobs[0]!.fileName).toBe(longest);
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
    await expectNothingStored();
  });

  it('refuses a PNG that declares 50,000 × 50,000 pixels from its header (422 image-too-large), storing nothing', async () => {
    master = await startTestMaster(overrides());
    const answer = await upload([{ name: 'huge.png', bytes: pngDeclaring(50_000, 50_000) }]);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toEqual({
      code: 'image-too-large',
      message: '"huge.png" is 50000 × 50000 pixels, wider than the limit of 16384 (MAX_IMAGE_WIDTH); nothing was stored',
    });
    await expectNothingStored();
  });

  it('holds an image to the limits as it is shown: its EXIF orientation applied (a tall JPEG turned on its side is wide)', async () => {
    master = await startTestMaster({ ...overrides(), maxImageWidth: 400, maxImageHeight: 1000 });
    // Stored 100 × 600, shown (orientation 6: turned 90°) 600 × 100: too wide to be accepted.
    const turned = await sharp({ create: { width: 100, height: 600, channels: 3, background: '#808080' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const answer = await upload([{ name: 'turned.jpg', bytes: turned }]);
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('image-too-large');
    expect(answer.body.error.message).toContain('"turned.jpg" is 600 × 100 pixels, wider than the limit of 400 (MAX_IMAGE_WIDTH)');
    await expectNothingStored();
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
    await expectNothingStored();
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
    await incomingEmptied();
    // The job's original and its prepared image.
    expect(await imagesHeld()).toBe(2);
    const retry = await submit(jpeg);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // The replay's own copy of the image, and of its prepared one, are not kept.
    await incomingEmptied();
    expect(await imagesHeld()).toBe(2);
  });

  it('refuses a batch past MAX_PENDING_JOBS (503 queue-full), leaving none of its images', async () => {
    master = await startTestMaster({ ...overrides(), maxPendingJobs: 1 });
    const answer = await upload([
      { name: 'a.jpg', bytes: jpeg },
      { name: 'b.jpg', bytes: jpeg },
    ]);
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('queue-full');
    await expectNothingStored();
  });

  it('stores a big upload (30 images of 2 MB) whole, serves the same bytes, leases their prepared images, and keeps no file of it in the incoming folder', async () => {
    master = await startTestMaster({ ...overrides(), maxUploadBytesInFlight: 256 * 1024 * 1024, maxUploadRequestBytes: 256 * 1024 * 1024 });
    const noise = await sharp(randomBytes(1600 * 1200 * 3), { raw: { width: 1600, height: 1200, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    expect(noise.length).toBeGreaterThan(1.5 * 1024 * 1024);
    const images = Array.from({ length: 30 }, (_, i) => ({ name: `big-${i}.jpg`, bytes: numbered(noise, i) }));
    const data = new FormData();
    for (const image of images) data.append('image', new Blob([new Uint8Array(image.bytes)]), image.name);
    const response = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: data });
    expect(response.status).toBe(201);
    const { jobs } = (await response.json()) as { jobs: { id: string; fileName: string; size: number }[] };
    expect(jobs.map((job) => [job.fileName, job.size])).toEqual(images.map((image) => [image.name, image.bytes.length]));
    const sent = new Map(jobs.map((job, i) => [job.id, images[i]!.bytes]));
    for (const job of jobs) {
      const served = Buffer.from(await (await fetch(`${master.url}/api/jobs/${job.id}/image`)).arrayBuffer());
      expect(served.equals(sent.get(job.id)!)).toBe(true);
    }
    const workers = jobs.map((_, i) => ({ id: `w${i}`, name: `w${i}`, backend: 'wasm', identity: `w${i}`, workerClass: 'trusted' as const }));
    // Workers get each image prepared: the model's size, a few KB.
    const leases = await master.store.lease(workers, 30_000, Date.now());
    const leased = await Promise.all(leases.map(async (lease) => lease && { type: lease.contentType, ...(await sharp(lease.image!).metadata()) }));
    expect(leased.map((lease) => lease && [lease.type, lease.format, lease.width, lease.height])).toEqual(jobs.map(() => ['image/webp', 'webp', 224, 224]));
    await incomingEmptied();
    expect(await imagesHeld()).toBe(60);
  });

  it('leaves no file behind when the client hangs up in the middle of an upload', async () => {
    master = await startTestMaster(overrides());
    const body = Buffer.concat([part('filename="a.jpg"').subarray(0, -6), Buffer.from('\r\n'), part('filename="b.jpg"')]);
    const { port } = new URL(master.url);
    const req = http.request({
      port,
      method: 'POST',
      path: '/api/jobs',
      headers: { 'Content-Type': 'multipart/form-data; boundary=B', 'Content-Length': body.length },
    });
    req.on('error', () => {});
    // The first file whole and part of the second: both on disk when the client goes.
    req.write(body.subarray(0, body.length - jpeg.length / 2));
    await until(() => incomingFiles().length === 2, 'both files of the upload to be on disk');
    req.destroy();
    await expectNothingStored();
  });

  it('cuts off uploads that stall with 408 body-too-slow, leaving no file of them on disk and none open', async () => {
    master = await startTestMaster({ ...overrides(), minBodyBytesPerSecond: 2_000, bodyRateWindowMs: 500 });
    // The master runs in this process: its open files are ours.
    const openFiles = () => fs.readdirSync('/proc/self/fd').length;
    const openBefore = openFiles();
    const body = Buffer.concat([
      Buffer.from('--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'),
      jpeg,
      Buffer.alloc(2_000_000),
      Buffer.from('\r\n--B--\r\n'),
    ]);
    /** Sends the headers and most of the body at once, then nothing; resolves with what the master sent before it hung up. */
    const stall = () =>
      new Promise<string>((resolve) => {
        const socket = net.connect(master.port, '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('error', () => {});
        socket.once('close', () => resolve(answer));
        socket.write(`POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.write(body.subarray(0, 1_500_000));
      });
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all([stall(), stall(), stall()]);
      for (const answer of answers) {
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
          error: { code: 'body-too-slow', message: 'the upload arrived slower than 2000 bytes a second; nothing was stored' },
        });
      }
    }
    await expectNothingStored();
    if (process.platform === 'linux') await until(() => openFiles() <= openBefore, 'the files of the cut-off uploads to be closed');
  });

  /** A multipart body of one image followed by text fields. */
  const withFields = (fields: [string, string][]) =>
    Buffer.concat([
      part('filename="a.jpg"').subarray(0, -'--B--\r\n'.length),
      ...fields.map(([name, value]) => Buffer.from(`--B\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)),
      Buffer.from('--B--\r\n'),
    ]);

  it.each([
    ['10,000 text fields', 'too-many-fields', () => Array.from({ length: 10_000 }, (_, i): [string, string] => [`f${i}`, 'v'])],
    [
      'one text field more than MAX_TEXT_FIELDS',
      'too-many-fields',
      () => Array.from({ length: MAX_TEXT_FIELDS + 1 }, (_, i): [string, string] => [`f${i}`, 'v']),
    ],
    ['a "private" field longer than MAX_TEXT_FIELD_BYTES', 'field-too-large', (): [string, string][] => [['private', 't'.repeat(MAX_TEXT_FIELD_BYTES + 1)]]],
  ])('refuses an upload with %s (413 %s) and stores nothing', async (_case, code, fields) => {
    master = await startTestMaster(overrides());
    const answer = await post('multipart/form-data; boundary=B', withFields(fields()));
    expect([answer.status, answer.body.error.code]).toEqual([413, code]);
    await expectNothingStored();
  });

  it('takes an upload with "private" and other text fields up to MAX_TEXT_FIELDS', async () => {
    master = await startTestMaster(overrides());
    const fields = Array.from({ length: MAX_TEXT_FIELDS }, (_, i): [string, string] => (i === 0 ? ['private', 'true'] : [`f${i}`, 'v']));
    const response = await fetch(`${master.url}/api/jobs`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=B' },
      body: new Uint8Array(withFields(fields)),
    });
    expect(response.status).toBe(201);
    const { jobs } = (await response.json()) as { jobs: { id: string }[] };
    expect(jobs).toHaveLength(1);
    expect((await master.store.get(jobs[0]!.id))?.trustedOnly).toBe(true);
  });

  it('keeps images across a restart', async () => {
    const settings = { ...overrides(), dataDir: tempDataDir() };
    master = await startTestMaster(settings);
    const small = await sharp(jpeg).resize(100, 100).jpeg().toBuffer();
    const data = new FormData();
    data.append('image', new Blob([new Uint8Array(jpeg)]), 'a.jpg');
    data.append('image', new Blob([new Uint8Array(small)]), 'b.jpg');
    const { jobs } = (await (await fetch(`${master.url}/api/jobs`, { method: 'POST', body: data })).json()) as { jobs: { id: string }[] };
    await master.close();
    master = await startTestMaster(settings);
    for (const [i, bytes] of [jpeg, small].entries()) {
      const served = Buffer.from(await (await fetch(`${master.url}/api/jobs/${jobs[i]!.id}/image`)).arrayBuffer());
      expect(served.equals(bytes)).toBe(true);
    }
  });

  it('sweeps files left in the incoming folder by a master that stopped mid-upload, and only those older than REQUEST_TIMEOUT_MS', async () => {
    const dataDir = tempDataDir();
    fs.mkdirSync(incomingDir(dataDir));
    const left = path.join(incomingDir(dataDir), 'left-by-a-crash');
    const recent = path.join(incomingDir(dataDir), 'another-masters-upload');
    fs.writeFileSync(left, jpeg);
    fs.writeFileSync(recent, jpeg);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(left, anHourAgo, anHourAgo);
    master = await startTestMaster({ ...overrides(), dataDir, requestTimeoutMs: 60_000 });
    expect(incomingFiles()).toEqual(['another-masters-upload']);
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
    ['PUT', '/api/jobs', 'POST, GET, DELETE, HEAD, OPTIONS'],
    ['PATCH', '/api/jobs/some-id', 'GET, DELETE, HEAD, OPTIONS'],
    ['POST', '/api/health', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/api/workers', 'GET, HEAD, OPTIONS'],
  ])('%s %s answers 405 method-not-allowed with Allow: %s', async (method, path, allow) => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}${path}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('method-not-allowed');
  });

  it.each([
    ['/api/jobs', 'POST, GET, DELETE, HEAD, OPTIONS'],
    ['/api/jobs/some-id/retry', 'POST, OPTIONS'],
    ['/api/health', 'GET, HEAD, OPTIONS'],
  ])('OPTIONS %s answers 204 with Allow: %s and no body', async (path, allow) => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}${path}`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')).toBe(allow);
    expect(await response.text()).toBe('');
  });

  it("OPTIONS on an unknown /api path is 404 in the API's shape", async () => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}/api/nothing-here`, { method: 'OPTIONS' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not-found');
  });

  it('an unknown /api path stays 404 and names the whole path', async () => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}/api/jobs/a/b/c`, { method: 'PUT' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe('no such endpoint: PUT /api/jobs/a/b/c');
  });
});
