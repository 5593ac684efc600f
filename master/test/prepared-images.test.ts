// What a worker receives, through a real master on both stores and a synthetic worker speaking the real
// protocol: an upload of any size and format arrives as the prepared image (the served model's input size,
// WebP, EXIF orientation applied, no metadata) while the original is still what the board shows; a job
// stored without a prepared image (every job before images were prepared) is still served, with its
// original; an upload the master decodes but cannot prepare is refused whole with a plain error, storing
// nothing.
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJob } from '../../metrics/uploaded-files.ts';
import type { SyntheticJob } from '../../metrics/synthetic-worker.ts';
import { encodingOf } from '../../test/support/image-encoding.ts';
import { settled, until } from '../../test/support/jobs-client.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';
import { TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { JobView, ModelView } from '../api-types.ts';
import { incomingDir } from '../http/upload.ts';
import { ImagePreparer, type ModelPixels } from '../images/prepared-image.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';

const RED = { r: 230, g: 20, b: 20 };
const BLUE = { r: 20, g: 20, b: 230 };

/** width × height pixels, the top half red and the bottom half blue. */
function halves(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const { r, g, b } = y < height / 2 ? RED : BLUE;
    for (let x = 0; x < width; x++) pixels.set([r, g, b], (y * width + x) * 3);
  }
  return pixels;
}

/** The mean colour of a column of pixels (x), as [r, g, b]. */
async function columnColour(image: Uint8Array, x: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const sum = [0, 0, 0];
  for (let y = 0; y < info.height; y++) for (let c = 0; c < 3; c++) sum[c]! += data[(y * info.width + x) * info.channels + c]!;
  return sum.map((total) => total / info.height);
}

/** Which of red and blue a colour is nearest. */
const hue = ([r, , b]: number[]) => (r! > b! ? 'red' : 'blue');

/** Failing where a real encoder fails only on a broken machine (out of memory, a broken libvips): after the decode. */
class FailingEncoder extends ImagePreparer {
  protected override encode(_pixels: ModelPixels): Promise<Buffer> {
    return Promise.reject(new Error('VipsForeignSaveWebp: unable to encode'));
  }
}

let jpegOnItsSide: Buffer;
let oddPng: Buffer;
beforeAll(async () => {
  // Stored 301 × 187 with the red half on top; EXIF orientation 6 shows it turned a quarter clockwise, red on the right.
  jpegOnItsSide = await sharp(halves(301, 187), { raw: { width: 301, height: 187, channels: 3 } })
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  // 97 × 203 with an alpha channel.
  oddPng = await sharp(halves(97, 203), { raw: { width: 97, height: 203, channels: 3 } })
    .ensureAlpha(0.8)
    .png()
    .toBuffer();
});

const grid = useTestMasters();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});
afterAll(() => redis.quit());

async function upload(on: TestMaster, files: { name: string; bytes: Uint8Array }[]) {
  const data = new FormData();
  for (const file of files) data.append('image', new Blob([new Uint8Array(file.bytes)]), file.name);
  const response = await fetch(`${on.url}/api/jobs`, { method: 'POST', body: data });
  return { status: response.status, body: (await response.json()) as { jobs: JobView[]; error: { code: string; message: string } } };
}

/** A trusted synthetic worker that keeps every job it is given and answers class 1. */
const keeper = (on: TestMaster) =>
  grid.connect(on, { name: 'keeper', credit: 4, hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, self) => self.succeed(job.header, 1) });

const imageSizeOf = async (on: TestMaster) => ((await fetch(`${on.url}/api/model`).then((r) => r.json())) as ModelView).imageSize;

describe.each(['sqlite', 'redis'] as const)('prepared images on the %s store', (storeName) => {
  it('gives a worker an odd-size JPEG and PNG at the model’s input size, oriented, and still serves each original for display', async () => {
    const m = await grid.start(storeName);
    const size = await imageSizeOf(m);
    const uploaded = await upload(m, [
      { name: 'on-its-side.jpg', bytes: jpegOnItsSide },
      { name: 'odd.png', bytes: oddPng },
    ]);
    expect(uploaded.status).toBe(201);
    const ids = uploaded.body.jobs.map((job) => job.id);
    // The job is the upload: its own type and size, as the board shows it.
    expect(uploaded.body.jobs.map((job) => [job.contentType, job.size])).toEqual([
      ['image/jpeg', jpegOnItsSide.length],
      ['image/png', oddPng.length],
    ]);
    const worker = await keeper(m);
    await settled(m.url, ids, 20_000);
    const received = new Map<string, SyntheticJob>(worker.jobs.map((job) => [job.header.jobId, job]));
    for (const id of ids) {
      const job = received.get(id)!;
      expect(job.header.contentType).toBe('image/webp');
      expect(await encodingOf(job.image)).toMatchObject({ format: 'webp', width: size, height: size, channels: 3, hasAlpha: false, metadata: [] });
      // A few KB, whatever came in.
      expect(job.image.length).toBeLessThan(10_000);
    }
    // The quarter turn was applied: the red half, on top as stored, is on the right as shown.
    const turned = received.get(ids[0]!)!.image;
    expect([hue(await columnColour(turned, 10)), hue(await columnColour(turned, size - 10))]).toEqual(['blue', 'red']);
    // The PNG was not turned, only stretched: red on top still, its colours kept.
    const png = await sharp(received.get(ids[1]!)!.image).raw().toBuffer();
    const [r, g, b] = [png[(10 * size + size / 2) * 3]!, png[(10 * size + size / 2) * 3 + 1]!, png[(10 * size + size / 2) * 3 + 2]!];
    expect(r).toBeGreaterThan(180);
    expect(Math.max(g, b)).toBeLessThan(70);

    // The board shows the original, byte for byte, with its own type.
    for (const [i, bytes] of [jpegOnItsSide, oddPng].entries()) {
      const served = await fetch(`${m.url}/api/jobs/${ids[i]}/image`);
      expect(served.headers.get('content-type')).toBe(i === 0 ? 'image/jpeg' : 'image/png');
      expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
    }
    const stats = (await fetch(`${m.url}/api/stats`).then((r) => r.json())) as { dispatch: { sent: { images: number; bytes: number } } };
    expect(stats.dispatch.sent).toEqual({ images: 2, bytes: ids.reduce((sum, id) => sum + received.get(id)!.image.length, 0) });
  });

  it('still serves a job stored without a prepared image (as every job was before) with its original', async () => {
    const m = await grid.start(storeName);
    // Jobs submitted from code go in as given: no prepared image, as an older master stored every job.
    const [old] = (await m.lifecycle.submit([newJob('old.png', 'image/png', oddPng)])).jobs;
    const [fresh] = (await upload(m, [{ name: 'new.png', bytes: oddPng }])).body.jobs;
    const worker = await keeper(m);
    await settled(m.url, [old!.id, fresh!.id], 20_000);
    const byId = new Map(worker.jobs.map((job) => [job.header.jobId, job]));
    expect(byId.get(old!.id)!.header.contentType).toBe('image/png');
    expect(Buffer.from(byId.get(old!.id)!.image).equals(oddPng)).toBe(true);
    expect(byId.get(fresh!.id)!.header.contentType).toBe('image/webp');
  });

  it('refuses an upload it decodes but cannot prepare with 500 preparation-failed, storing none of it', async () => {
    const m = await grid.start(storeName, {}, { preparer: new FailingEncoder(224, 40_000_000) });
    const answer = await upload(m, [
      { name: 'fine.png', bytes: oddPng },
      { name: 'on-its-side.jpg', bytes: jpegOnItsSide },
    ]);
    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe('preparation-failed');
    expect(answer.body.error.message).toBe(
      '"fine.png" decodes, but the master could not prepare it for the workers (VipsForeignSaveWebp: unable to encode); nothing was stored',
    );
    expect(Object.values(await m.store.counts()).reduce((sum, n) => sum + n, 0)).toBe(0);
    await until(() => fs.readdirSync(incomingDir(m.dataDir)).length === 0, 'the incoming folder to be emptied');
    if (storeName === 'sqlite') expect(fs.readdirSync(path.join(m.dataDir, 'images'))).toEqual([]);
    else {
      const keys = new RedisKeys(m.config.redisPrefix);
      expect([await redis.hlen(keys.images), await redis.hlen(keys.prepared), (await redis.keys(keys.incoming('*'))).length]).toEqual([0, 0, 0]);
    }
  });
});
