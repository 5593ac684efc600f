// What the served model says for each image of a folder, computed once by the worker page's own classifier
// in headless Chromium (standalone-run.ts): the trust bench's table of honest answers. Its gold answers
// file is made the way `npm run gold` makes one (gold-answers.ts), into a folder of the caller's.
import fs from 'node:fs';
import path from 'node:path';
import { GOLD_IMAGES_PER_RUN, makeGoldAnswers } from './gold-answers.ts';
import { classifyStandalone } from './standalone-run.ts';

export interface ModelAnswer {
  file: string;
  top1: number;
  /** The second most probable class (-1 if the page gave only one). */
  second: number;
  /** The top-1 probability's margin over the second's. */
  margin: number;
}

export interface ModelAnswers {
  rows: ModelAnswer[];
  /** The images' bytes, in the rows' order. */
  images: Buffer[];
  /** The gold answers file (file,index,margin) for the folder, and how many images it kept. */
  goldAnswers: string;
  goldImages: number;
  backend: string;
}

/**
 * Classifies `files` of the folder `images` (the page's usual backend), and writes `<outDir>/gold.csv` for them.
 * Aborting `signal` closes its browser and master, and it throws.
 */
export async function modelAnswers({
  images,
  files,
  outDir,
  modelDir,
  signal,
}: {
  images: string;
  files: string[];
  outDir: string;
  modelDir?: string | undefined;
  signal?: AbortSignal | undefined;
}): Promise<ModelAnswers> {
  const rows: ModelAnswer[] = [];
  let backend = '';
  for (let start = 0; start < files.length; start += GOLD_IMAGES_PER_RUN) {
    const batch = files.slice(start, start + GOLD_IMAGES_PER_RUN);
    const run = await classifyStandalone(
      batch.map((file) => ({ path: path.join(images, file) })),
      { modelDir, signal },
    );
    backend = run.backend;
    batch.forEach((file, i) => {
      const { top1, second, margin } = run.images[i]!;
      rows.push({ file, top1, second, margin });
    });
  }
  const gold = await makeGoldAnswers({ images, files, modelDir, out: path.join(outDir, 'gold.csv'), signal });
  return { rows, images: files.map((file) => fs.readFileSync(path.join(images, file))), goldAnswers: gold.out, goldImages: gold.rows.length, backend };
}
