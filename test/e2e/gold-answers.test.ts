// npm run gold's work in real headless Chromium with the shipped model: gold.csv for 20 dev images
// holds the model's own answers (what the worker page says, not the ImageNet labels), only for images
// that are stable under re-encoding and decided by a wide margin; the answers hold for each image as
// uploaded and as prepared for a worker, and the gold set loaded from it draws fresh encodings (in the
// prepared form) that the worker page still classifies as recorded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GOLD_CHECK_REENCODINGS, makeGoldAnswers } from '../../metrics/gold-answers.ts';
import { classifyStandalone } from '../../metrics/standalone-run.ts';
import { ImagePreparer } from '../../master/images/prepared-image.ts';
import { loadModelFiles } from '../../master/model/model-files.ts';
import { GOLD_MIN_MARGIN, GoldSet, readGoldAnswers } from '../../master/trust/gold-set.ts';
import { defaultModelDir, devImages, devImagesDir } from '../support/paths.ts';

const images = devImages(20);
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gold-csv-'));
afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

describe('gold answers from the served model', () => {
  it('keeps the stable, wide-margin images with the worker page’s answers, and fresh draws of them keep those answers', async () => {
    const out = path.join(outDir, 'gold.csv');
    const made = await makeGoldAnswers({ images: devImagesDir, files: images.map((image) => image.file), out });
    expect(made.candidates).toHaveLength(20);
    for (const candidate of made.candidates) {
      // The original, its prepared form, and the re-encodings.
      expect(candidate.top1s).toHaveLength(2 + GOLD_CHECK_REENCODINGS);
      expect(candidate.kept).toBe(candidate.top1s.every((top1) => top1 === candidate.top1s[0]) && candidate.margin >= GOLD_MIN_MARGIN);
    }
    const rows = readGoldAnswers(out);
    expect(rows).toEqual(made.rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.margin >= GOLD_MIN_MARGIN)).toBe(true);

    const imageSize = loadModelFiles(defaultModelDir, [-1, 1]).view.imageSize;
    const gold = await GoldSet.load({ dir: devImagesDir, answers: out, imageSize });
    const draws = [];
    for (let i = 0; i < 6; i++) draws.push(await gold.next());
    const preparer = new ImagePreparer(imageSize, 40_000_000);
    const kept = images.filter((image) => rows.some((row) => row.file === image.file));
    const asJobs = await Promise.all(kept.map((image) => preparer.prepare(image.path)));
    const run = await classifyStandalone([
      ...images,
      ...asJobs.map((job) => ({ bytes: job.bytes, type: job.contentType })),
      ...draws.map((draw) => ({ bytes: draw.bytes, type: draw.contentType })),
    ]);
    const pageSays = new Map(images.map((image, i) => [image.file, run.images[i]!.top1]));
    // The recorded answers are the page's for the original images, whatever ImageNet's label is...
    for (const row of rows) expect(row.index).toBe(pageSays.get(row.file));
    for (const candidate of made.candidates) expect(candidate.top1s[0]).toBe(pageSays.get(candidate.file));
    // ...and for the same images as a worker receives them from an upload.
    const preparedSays = run.images.slice(images.length, images.length + kept.length).map((image) => image.top1);
    expect(preparedSays).toEqual(kept.map((image) => rows.find((row) => row.file === image.file)!.index));
    expect(run.images.slice(images.length + kept.length).map((image) => image.top1)).toEqual(draws.map((draw) => draw.answer));
  });
});
