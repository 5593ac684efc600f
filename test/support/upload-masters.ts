// A real master for the upload tests on each store (SQLite, Redis), one a test, closed after it, and what an upload
// left behind: jobs, images (stored, prepared or on their way in) and files in DATA_DIR/incoming.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect } from 'vitest';
import { incomingDir } from '../../master/http/upload.ts';
import { RedisKeys } from '../../master/store/redis/redis-keys.ts';
import { until } from './jobs-client.ts';
import { devImages } from './paths.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from './stores.ts';
import { startTestMaster, type TestMaster } from './test-master.ts';

type Settings = Parameters<typeof startTestMaster>[0];

export const UPLOAD_STORES = [
  { name: 'sqlite', overrides: (): Settings => ({}) },
  { name: 'redis', overrides: (): Settings => ({ redisUrl: TEST_REDIS_URL, redisPrefix: `test:${randomUUID()}:` }) },
];
export type UploadStore = (typeof UPLOAD_STORES)[number];

export const jpeg = fs.readFileSync(devImages(1)[0]!.path);

/** A multipart body of one JPEG written by hand, so it can be wrong in exactly one way. */
export function part(fileName: string, extraHeaders = '', boundary = 'B'): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; ${fileName}\r\n${extraHeaders}Content-Type: image/jpeg\r\n\r\n`),
    jpeg,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

type Answer = { status: number; body: { error: { code: string; message: string } } };

/** Call in a describe: each test starts its master with `start`, and it is closed (its Redis keys deleted) after the test. */
export function uploadMasters(store: UploadStore) {
  let current: TestMaster | undefined;
  let redis: Redis | undefined;
  afterEach(async () => {
    await current?.close();
    if (current?.config.redisUrl) await deleteRedisKeys(current.config.redisPrefix);
    current = undefined;
  });
  afterAll(() => redis?.quit());

  const master = () => current ?? expect.fail('no master started');
  const incomingFiles = () => fs.readdirSync(incomingDir(master().dataDir));
  /** Every file an upload wrote is deleted once its request has ended (just after the answer, or after a hang-up). */
  const incomingEmptied = () => until(() => incomingFiles().length === 0, 'the incoming folder to be emptied');

  async function storedJobs(): Promise<number> {
    return Object.values(await master().store.counts()).reduce((sum, count) => sum + count, 0);
  }

  /** Image files (sqlite) or image keys (Redis), originals and prepared images, stored or on their way in. */
  async function imagesHeld(): Promise<number> {
    if (store.name === 'sqlite') return fs.readdirSync(path.join(master().dataDir, 'images')).length;
    redis ??= new Redis(TEST_REDIS_URL);
    const keys = new RedisKeys(master().config.redisPrefix);
    return (await redis.hlen(keys.images)) + (await redis.hlen(keys.prepared)) + (await redis.keys(keys.incoming('*'))).length;
  }

  return {
    /** Starts this test's master on the store; settings given (a redisPrefix, to restart on the same data) win. */
    start: async (settings: Settings = {}) => (current = await startTestMaster({ ...store.overrides(), ...settings })),
    storedJobs,
    imagesHeld,
    incomingFiles,
    incomingEmptied,
    /** No job, no image, and no file of the upload left. */
    async expectNothingStored(): Promise<void> {
      expect(await storedJobs()).toBe(0);
      await incomingEmptied();
      expect(await imagesHeld()).toBe(0);
    },
    async upload(files: { name: string; bytes: Uint8Array }[]): Promise<Answer> {
      const data = new FormData();
      for (const file of files) data.append('image', new Blob([new Uint8Array(file.bytes)]), file.name);
      const response = await fetch(`${master().url}/api/jobs`, { method: 'POST', body: data });
      return { status: response.status, body: (await response.json()) as Answer['body'] };
    },
    async post(contentType: string, body: Buffer): Promise<Answer> {
      const response = await fetch(`${master().url}/api/jobs`, { method: 'POST', headers: { 'Content-Type': contentType }, body: new Uint8Array(body) });
      return { status: response.status, body: (await response.json()) as Answer['body'] };
    },
  };
}
