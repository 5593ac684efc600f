// The bench's honest workers name the image they were handed by its fingerprint: every dev image must be
// found from its own bytes and from fresh gold re-encodings of it, with room to spare.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFiles } from '../../master/model/model-files.ts';
import { reencodeGold } from '../../master/trust/gold-reencoding.ts';
import { defaultModelDir, devImages } from '../../test/support/paths.ts';
import { fingerprint, fingerprintDistance, ImageIndex } from '../image-fingerprint.ts';

const images = devImages().map((image) => fs.readFileSync(image.path));
/** Spot checks come at the served model's input size. */
const size = loadModelFiles(defaultModelDir, [-1, 1]).view.imageSize;
let index: ImageIndex;
beforeAll(async () => {
  index = await ImageIndex.of(images);
});

describe('image fingerprints', () => {
  it('finds each of the 200 dev images from its own bytes', async () => {
    const found = await Promise.all(images.map((bytes) => index.identify(bytes)));
    expect(found.map((f) => f.index)).toEqual(images.map((_, i) => i));
  });

  it('finds each dev image from two fresh gold re-encodings, the next nearest image at least twice as far', async () => {
    const misses: string[] = [];
    for (const [i, original] of images.entries()) {
      for (let draw = 0; draw < 2; draw++) {
        const { index: found, distance, runnerUp } = await index.identify(await reencodeGold(original, size));
        if (found !== i || runnerUp < 2 * distance) misses.push(`#${i}: nearest #${found} at ${distance.toFixed(3)}, next at ${runnerUp.toFixed(3)}`);
      }
    }
    expect(misses).toEqual([]);
  });

  it('normalises a fingerprint to unit spread: its negative is at RMS distance 2', async () => {
    const print = await fingerprint(images[0]!);
    const negative = Float64Array.from(print, (value) => -value);
    expect(fingerprintDistance(print, print)).toBe(0);
    expect(fingerprintDistance(print, negative)).toBeCloseTo(2, 6);
  });
});
