// Uploads a stranger could send, against a real master on both stores: a body that is not multipart, an image that
// does not decode or is too large, a reused key, a full queue, too many text fields. Each gets a 4xx or 503 with a
// plain {error: {code, message}} and stores nothing, and leaves no file of it behind (uploads are written to disk as
// they arrive). File names: upload-file-names.test.ts; what is stored: upload-storage.test.ts.
import net from 'node:net';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_TEXT_FIELD_BYTES, MAX_TEXT_FIELDS } from '../http/upload.ts';
import { newOwner } from '../../test/support/jobs-client.ts';
import { received } from '../../test/support/raw-http.ts';
import { jpeg, part, UPLOAD_STORES, uploadMasters } from '../../test/support/upload-masters.ts';

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

describe.each(UPLOAD_STORES)('uploads on $name', (store) => {
  const uploads = uploadMasters(store);

  const malformed: [string, string, () => Buffer][] = [
    ['no boundary', 'multipart/form-data', () => part('filename="a.jpg"')],
    ['the wrong boundary', 'multipart/form-data; boundary=X', () => part('filename="a.jpg"')],
    ['a broken part header', 'multipart/form-data; boundary=B', () => Buffer.from('--B\r\nContent-Disposition form-data, no colon\r\n\r\nxx\r\n--B--\r\n')],
    ['a 200 KB part header', 'multipart/form-data; boundary=B', () => part('filename="a.jpg"', `X-Padding: ${'a'.repeat(200_000)}\r\n`)],
    ['a NUL byte in a file name', 'multipart/form-data; boundary=B', () => part('filename="a\u0000b.jpg"')],
    ['a body cut off mid-part', 'multipart/form-data; boundary=B', () => part('filename="a.jpg"').subarray(0, 500)],
  ];
  it.each(malformed)('refuses %s with 400 malformed-multipart and stores nothing', async (_case, contentType, body) => {
    await uploads.start();
    const answer = await uploads.post(contentType, body());
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('malformed-multipart');
    expect(answer.body.error.message).toContain('multipart');
    await uploads.expectNothingStored();
  });

  const undecodable: [string, () => Buffer][] = [
    ['JPEG magic followed by 10 MB of zeros', () => Buffer.concat([jpeg.subarray(0, 4), Buffer.alloc(10 * 1024 * 1024 - 4)])],
    ['a JPEG cut off halfway', () => jpeg.subarray(0, Math.floor(jpeg.length / 2))],
    ['a PNG whose pixel data is missing', () => pngDeclaring(64, 64).subarray(0, 45)],
  ];
  it.each(undecodable)('refuses %s with 422 undecodable-image and stores nothing', async (_case, bytes) => {
    await uploads.start();
    const answer = await uploads.upload([{ name: 'broken.jpg', bytes: bytes() }]);
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('undecodable-image');
    expect(answer.body.error.message).toContain('"broken.jpg" does not decode');
    await uploads.expectNothingStored();
  });

  it('refuses a PNG that declares 50,000 × 50,000 pixels from its header (422 image-too-large), storing nothing', async () => {
    await uploads.start();
    const answer = await uploads.upload([{ name: 'huge.png', bytes: pngDeclaring(50_000, 50_000) }]);
    expect(answer.status).toBe(422);
    expect(answer.body.error).toEqual({
      code: 'image-too-large',
      message: '"huge.png" is 50000 × 50000 pixels, wider than the limit of 16384 (MAX_IMAGE_WIDTH); nothing was stored',
    });
    await uploads.expectNothingStored();
  });

  it('holds an image to the limits as it is shown: its EXIF orientation applied (a tall JPEG turned on its side is wide)', async () => {
    await uploads.start({ maxImageWidth: 400, maxImageHeight: 1000 });
    // Stored 100 × 600, shown (orientation 6: turned 90°) 600 × 100: too wide to be accepted.
    const turned = await sharp({ create: { width: 100, height: 600, channels: 3, background: '#808080' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const answer = await uploads.upload([{ name: 'turned.jpg', bytes: turned }]);
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('image-too-large');
    expect(answer.body.error.message).toContain('"turned.jpg" is 600 × 100 pixels, wider than the limit of 400 (MAX_IMAGE_WIDTH)');
    await uploads.expectNothingStored();
  });

  // The dev image is 496 × 368.
  it.each([
    ['width', { maxImageWidth: 495 }, 'MAX_IMAGE_WIDTH'],
    ['height', { maxImageHeight: 367 }, 'MAX_IMAGE_HEIGHT'],
    ['pixels', { maxImagePixels: 496 * 368 - 1 }, 'MAX_IMAGE_PIXELS'],
  ])('refuses a whole batch when one image passes the %s limit (422 image-too-large), storing none of it', async (_limit, limits, name) => {
    await uploads.start({ ...limits });
    const small = await sharp(jpeg).resize(100, 100).jpeg().toBuffer();
    const answer = await uploads.upload([
      { name: 'small.jpg', bytes: small },
      { name: 'big.jpg', bytes: jpeg },
    ]);
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('image-too-large');
    expect(answer.body.error.message).toContain(name);
    expect(answer.body.error.message).toContain('"big.jpg" is 496 × 368 pixels');
    await uploads.expectNothingStored();
  });

  it('refuses an Idempotency-Key reused with other images (422 idempotency-key-reused), storing nothing', async () => {
    const master = await uploads.start();
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
    expect(await uploads.storedJobs()).toBe(1);
    await uploads.incomingEmptied();
    // The job's original and its prepared image.
    expect(await uploads.imagesHeld()).toBe(2);
    const retry = await submit(jpeg);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // The replay's own copy of the image, and of its prepared one, are not kept.
    await uploads.incomingEmptied();
    expect(await uploads.imagesHeld()).toBe(2);
  });

  it('refuses an Idempotency-Key past 200 characters (400 bad-idempotency-key), storing nothing; 200 are taken', async () => {
    const master = await uploads.start();
    const submit = async (key: string) => {
      const data = new FormData();
      data.append('image', new Blob([new Uint8Array(jpeg)]), 'cat.jpg');
      return fetch(`${master.url}/api/jobs`, { method: 'POST', body: data, headers: { 'Idempotency-Key': key } });
    };
    const long = await submit('k'.repeat(201));
    expect(long.status).toBe(400);
    expect(await long.json()).toEqual({ error: { code: 'bad-idempotency-key', message: 'Idempotency-Key must be 1 to 200 characters' } });
    await uploads.expectNothingStored();
    expect((await submit('k'.repeat(200))).status).toBe(201);
  });

  it.each([
    ['an Idempotency-Key past 200 characters', `Idempotency-Key: ${'k'.repeat(201)}`, 'bad-idempotency-key'],
    ['a Private-Job other than true or false', 'Private-Job: yes', 'bad-private-flag'],
  ])('answers %s before the body has arrived', async (_case, header, code) => {
    // Timeouts short enough that a master waiting for the rest of the body says so (408) within the test.
    const master = await uploads.start({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const socket = net.connect({ host: '127.0.0.1', port: master.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const answer = received(socket);
    const head = `POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 1000000\r\n${header}\r\n\r\n`;
    // The first part of a megabyte: the rest never comes.
    socket.write(Buffer.concat([Buffer.from(head), part('filename="a.jpg"').subarray(0, 100)]));
    // Before, the Private-Job header was read only with the whole body: 408, once the master had waited for it.
    expect(await answer).toMatch(new RegExp(`^HTTP/1\\.1 400 [^]*"code":"${code}"`));
    await uploads.expectNothingStored();
  });

  it('refuses a batch past MAX_PENDING_JOBS (503 queue-full), leaving none of its images', async () => {
    await uploads.start({ maxPendingJobs: 1 });
    const answer = await uploads.upload([
      { name: 'a.jpg', bytes: jpeg },
      { name: 'b.jpg', bytes: jpeg },
    ]);
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('queue-full');
    await uploads.expectNothingStored();
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
    await uploads.start();
    const answer = await uploads.post('multipart/form-data; boundary=B', withFields(fields()));
    expect([answer.status, answer.body.error.code]).toEqual([413, code]);
    await uploads.expectNothingStored();
  });

  it('takes an upload with "private" and other text fields up to MAX_TEXT_FIELDS', async () => {
    const master = await uploads.start();
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
});
