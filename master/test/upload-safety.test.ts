// Uploads a stranger could send, against a real master on both stores: each gets
// a 4xx with a plain {error: {code, message}} and stores nothing.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
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

describe.each(STORES)('uploads on $name', ({ overrides }) => {
  let master: TestMaster;
  afterEach(async () => {
    await master?.close();
    if (master?.config.redisUrl) await deleteRedisKeys(master.config.redisPrefix);
  });

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
