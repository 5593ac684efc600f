// Prepared images end to end with real parts: uploads through the REST API, the master preparing each one,
// a real headless Chromium worker page running the shipped model on what it receives. A handful of dev
// images, a JPEG stored on its side at an odd size (EXIF orientation 6) and a PNG at another odd size get
// their ImageNet classes; the master pushed a few KB per job, and shows each original as uploaded.
import fs from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import type { StatsView } from '../../master/stats-api-types.ts';
import { settled, submit, type Upload } from '../support/jobs-client.ts';
import { devImages } from '../support/paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../support/test-master.ts';

/** Dev images the page classifies right whether it gets the original or the prepared image (npm run bench:prepare). */
const RIGHT_EITHER_WAY = [1, 3, 5, 8, 9, 10];
const all = devImages(11);
const chosen = RIGHT_EITHER_WAY.map((i) => all[i]!);

let master: TestMaster;
let fleet: Fleet;
beforeAll(async () => {
  master = await startTestMaster();
  fleet = startFleet({ masterUrl: master.url, workers: 1, namePrefix: 'prepared', fleetToken: TEST_FLEET_TOKEN, logger: createLogger('error') });
  await fleet.waitUntilReady(90_000);
});
afterAll(async () => {
  await fleet?.stop();
  await master?.close();
});

describe('prepared images in a real worker page', () => {
  it('gives the expected classes for dev images, one stored on its side at an odd size and one as an odd-size PNG', async () => {
    const uploads: Upload[] = chosen.map((image) => ({ name: image.file, bytes: fs.readFileSync(image.path) }));
    // Rhodesian ridgeback (#5), stretched to 301 × 227, turned a quarter anticlockwise and tagged to be shown turned back (orientation 6).
    const stretched = await sharp(fs.readFileSync(chosen[2]!.path)).resize(301, 227, { fit: 'fill' }).toBuffer();
    const onItsSide = await sharp(stretched).rotate(-90).jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toBuffer();
    expect(await sharp(onItsSide).metadata()).toMatchObject({ width: 227, height: 301, orientation: 6 });
    // Table lamp (#3) as a 257 × 199 PNG.
    const png = await sharp(fs.readFileSync(chosen[1]!.path)).resize(257, 199, { fit: 'fill' }).png().toBuffer();
    uploads.push({ name: 'on-its-side.jpg', bytes: onItsSide }, { name: 'odd.png', bytes: png });
    const expected = [...chosen.map((image) => image.index), chosen[2]!.index, chosen[1]!.index];

    const ids = await submit(master.url, uploads);
    const jobs = await settled(master.url, ids, 60_000);
    expect(jobs.map((job) => [job.fileName, job.status, job.result?.predictions[0]?.index])).toEqual(
      uploads.map((upload, i) => [upload.name, 'done', expected[i]]),
    );
    expect(jobs.every((job) => job.result!.workerClass === 'trusted' && job.attempts === 1)).toBe(true);

    // A few KB pushed per job, whatever was uploaded (the dev images are about 41 KB each).
    const stats = (await fetch(`${master.url}/api/stats`).then((r) => r.json())) as StatsView;
    expect(stats.dispatch.sent.images).toBe(uploads.length);
    expect(stats.dispatch.sent.bytes / uploads.length).toBeLessThan(12_000);
    // The board shows what was uploaded.
    for (const [i, upload] of uploads.entries()) {
      const served = Buffer.from(await (await fetch(`${master.url}/api/jobs/${ids[i]}/image`)).arrayBuffer());
      expect(served.equals(Buffer.from(upload.bytes))).toBe(true);
    }
  });
});
