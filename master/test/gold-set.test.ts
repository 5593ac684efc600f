// The gold set without a browser: its answers file is checked row by row with errors naming the file
// and line, narrow-margin rows are left out, and every draw is a fresh encoding in a job's prepared form
// (the model's input size, the same format and encoder, no metadata) whose bytes and size no recent draw
// had. Real images from the shared dev set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { encodingOf } from '../../test/support/image-encoding.ts';
import { defaultModelDir, devImages, devImagesDir } from '../../test/support/paths.ts';
import { ImagePreparer, PREPARED_TYPE } from '../images/prepared-image.ts';
import { loadModelFiles } from '../model/model-files.ts';
import { GOLD_MIN_MARGIN, GoldSet, GoldSetError, readGoldAnswers } from '../trust/gold-set.ts';

const [first, second] = devImages(2).map((image) => image.file);
/** The served model's input size: what jobs are prepared to, and spot checks drawn at. */
const imageSize = loadModelFiles(defaultModelDir, [-1, 1]).view.imageSize;
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** An answers file in a temp dir (the shared images are read-only), naming images in the dev set. */
function answers(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gold-answers-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'gold.csv'), text);
  return path.join(dir, 'gold.csv');
}

const loadError = (text: string) =>
  GoldSet.load({ dir: devImagesDir, answers: answers(text), imageSize }).then(
    () => null,
    (error: unknown) => error,
  );

describe('the gold answers file', () => {
  it('reads rows of file, class index and margin', () => {
    const file = answers(`file,index,margin\n${first},65,0.91\n${second},970,0.5\n`);
    expect(readGoldAnswers(file)).toEqual([
      { file: first, index: 65, margin: 0.91 },
      { file: second, index: 970, margin: 0.5 },
    ]);
  });

  it.each([
    ['a missing header', `${first},65,0.9\n`, /gold\.csv:1: expected the header "file,index,margin"/],
    ['a short row', `file,index,margin\n${first},65,0.9\n${second},3\n`, /gold\.csv:3: expected 3 fields/],
    ['a class index out of range', `file,index,margin\n${first},1000,0.9\n`, /gold\.csv:2: index: expected a class index 0\.\.999/],
    ['a margin that is not a number', `file,index,margin\n${first},65,wide\n`, /gold\.csv:2: margin: expected a number/],
    ['a margin above 1', `file,index,margin\n${first},65,1.5\n`, /gold\.csv:2: margin: expected a margin between 0 and 1/],
    ['a path instead of a file name', `file,index,margin\n../${first},65,0.9\n`, /gold\.csv:2: file: expected a file name in the gold folder/],
    ['a file named twice', `file,index,margin\n${first},65,0.9\n${first},65,0.9\n`, /gold\.csv:3: ".*" appears twice/],
    ['an image not in the folder', `file,index,margin\n${first},65,0.9\nnot-there.jpg,3,0.9\n`, /gold\.csv:3: no image "not-there\.jpg" in /],
    ['a file that is not an image', `file,index,margin\nlabels.csv,3,0.9\n`, /gold\.csv:2: "labels\.csv" is not a JPEG, PNG or WebP image/],
    ['no row with a wide margin', `file,index,margin\n${first},65,0.2\n`, /none of its 1 images has a margin of at least 0\.5/],
  ])('refuses %s, naming the file and line', async (_, text, message) => {
    const error = await loadError(text);
    expect(error).toBeInstanceOf(GoldSetError);
    expect((error as Error).message).toMatch(message);
  });

  it('keeps only the rows with a margin of at least the minimum', async () => {
    const text = `file,index,margin\n${first},65,${GOLD_MIN_MARGIN}\n${second},970,${GOLD_MIN_MARGIN - 0.01}\n`;
    expect((await GoldSet.load({ dir: devImagesDir, answers: answers(text), imageSize })).size).toBe(1);
    expect((await GoldSet.load({ dir: devImagesDir, answers: answers(text), minMargin: 0.3, imageSize })).size).toBe(2);
  });
});

describe('gold draws', () => {
  it('are fresh encodings in the form of a prepared job every time: no two of 50 draws share their bytes or their size', async () => {
    const gold = await GoldSet.load({ dir: devImagesDir, answers: answers(`file,index,margin\n${first},65,0.9\n`), imageSize });
    // What a worker receives for an upload of the same image, and for another image.
    const preparer = new ImagePreparer(imageSize, 40_000_000);
    const asJobs = [await preparer.prepare(path.join(devImagesDir, first!)), await preparer.prepare(path.join(devImagesDir, second!))];
    const jobEncodings = await Promise.all(asJobs.map((job) => encodingOf(job.bytes)));
    expect(jobEncodings[0]).toEqual(jobEncodings[1]);
    expect(jobEncodings[0]).toMatchObject({
      format: 'webp',
      width: imageSize,
      height: imageSize,
      channels: 3,
      hasAlpha: false,
      chunks: ['VP8 '],
      metadata: [],
    });
    const draws = [];
    for (let i = 0; i < 50; i++) draws.push(await gold.next());
    expect(new Set(draws.map((draw) => draw.bytes.length)).size).toBe(50);
    expect(new Set(draws.map((draw) => draw.bytes.toString('base64'))).size).toBe(50);
    for (const draw of draws) {
      expect(draw).toMatchObject({ contentType: PREPARED_TYPE, answer: 65 });
      expect(asJobs[0]!.contentType).toBe(draw.contentType);
      // Nothing in the encoding tells a draw from a job: dimensions, format, container, channels, metadata.
      expect(await encodingOf(draw.bytes)).toEqual(jobEncodings[0]);
    }
    // The same picture, a few percent of each side cropped at most: it stays far nearer the image's own job than another image's.
    const pixels = (bytes: Uint8Array) => sharp(bytes).raw().toBuffer();
    const meanDifference = (a: Buffer, b: Buffer) => a.reduce((sum, value, i) => sum + Math.abs(value - b[i]!), 0) / a.length;
    const [own, other] = await Promise.all(asJobs.map((job) => pixels(job.bytes)));
    for (const draw of draws.slice(0, 10)) {
      const drawn = await pixels(draw.bytes);
      expect(meanDifference(drawn, own!)).toBeLessThan(meanDifference(drawn, other!) / 2);
    }
  });
});
