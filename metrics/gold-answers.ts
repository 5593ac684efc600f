// Makes the answers file of a gold folder (gold.csv) with the served model, computed by the same
// worker-page code the workers run (web/standalone.html in headless Chromium): each image, its prepared
// form (what a worker receives for it as a job, master/images/prepared-image.ts) and a few fresh
// re-encodings of it (what spot checks send) are classified, and an image is kept only when its top-1 is
// the same on all of them and its smallest margin is wide enough: the answer holds for a spot check, for
// the image as a job, and for its original (as a job stored before images were prepared is sent).
import fs from 'node:fs';
import path from 'node:path';
import { makeConfig } from '../master/config.ts';
import { ImagePreparer } from '../master/images/prepared-image.ts';
import { loadModelFiles } from '../master/model/model-files.ts';
import { reencodeGold } from '../master/trust/gold-reencoding.ts';
import { GOLD_CSV_HEADER, GOLD_MIN_MARGIN, GoldSetError, MAX_GOLD_IMAGE_BYTES, MAX_GOLD_IMAGES, type GoldRow } from '../master/trust/gold-set.ts';
import { classifyStandalone, type StandaloneImage } from './standalone-run.ts';

/**
 * Re-encodings of each image that must agree with it, each with a margin of at least GOLD_MIN_MARGIN. A few images
 * lose their margin on one random crop in tens (one of 40 draws flipped a porcupine kept on 3 checks): with 3 checks
 * such an image could be kept and fail an honest worker's spot check, which blacklists it. Measured on the 200 dev
 * images: kept on 24 checks, 0 of 6,120 fresh draws flipped.
 */
export const GOLD_CHECK_REENCODINGS = 24;
/** Images classified per browser run, so the page is never handed a whole folder at once. */
export const GOLD_IMAGES_PER_RUN = 100;

const IMAGE_TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };

export interface GoldCandidate {
  file: string;
  /** Top-1 of the original, then of its prepared form, then of each re-encoding. */
  top1s: number[];
  /** The smallest margin among them. */
  margin: number;
  kept: boolean;
}

export interface GoldAnswersOptions {
  /** The image folder. */
  images: string;
  /** Only these files of it (default: every JPEG, PNG and WebP in it). */
  files?: string[];
  modelDir?: string;
  minMargin?: number;
  reencodings?: number;
  /** Where gold.csv goes (default `<images>/gold.csv`). */
  out?: string;
  /** Aborting it stops the classifying, its browser and master closed (classifyStandalone). */
  signal?: AbortSignal | undefined;
}

export async function makeGoldAnswers({
  images,
  files = fs
    .readdirSync(images)
    .filter((file) => path.extname(file).toLowerCase() in IMAGE_TYPES)
    .sort(),
  modelDir,
  minMargin = GOLD_MIN_MARGIN,
  reencodings = GOLD_CHECK_REENCODINGS,
  out = path.join(images, 'gold.csv'),
  signal,
}: GoldAnswersOptions): Promise<{ candidates: GoldCandidate[]; rows: GoldRow[]; out: string; backend: string }> {
  refuseOversized(images, files);
  const candidates: GoldCandidate[] = [];
  let backend = '';
  const size = loadModelFiles(modelDir ?? makeConfig({}).modelDir, [-1, 1]).view.imageSize;
  const preparer = new ImagePreparer(size, Number.MAX_SAFE_INTEGER);
  const perImage = 2 + reencodings;
  for (let start = 0; start < files.length; start += GOLD_IMAGES_PER_RUN) {
    const batch = files.slice(start, start + GOLD_IMAGES_PER_RUN);
    const inputs: StandaloneImage[] = [];
    for (const file of batch) {
      signal?.throwIfAborted(); // the re-encodings take a while; no browser is open yet
      const original = fs.readFileSync(path.join(images, file));
      inputs.push({ bytes: original, type: IMAGE_TYPES[path.extname(file).toLowerCase()] ?? 'image/jpeg' });
      const prepared = await preparer.prepare(path.join(images, file));
      inputs.push({ bytes: prepared.bytes, type: prepared.contentType });
      for (let i = 0; i < reencodings; i++) inputs.push({ bytes: await reencodeGold(original, size), type: prepared.contentType });
    }
    const run = await classifyStandalone(inputs, { modelDir, signal });
    backend = run.backend;
    batch.forEach((file, i) => {
      const results = run.images.slice(i * perImage, (i + 1) * perImage);
      const top1s = results.map((result) => result.top1);
      const margin = Math.min(...results.map((result) => result.margin));
      candidates.push({ file, top1s, margin, kept: top1s.every((top1) => top1 === top1s[0]) && margin >= minMargin });
    });
  }
  // Margins rounded down, so a kept row never reads wider than it was.
  const rows = candidates.filter((c) => c.kept).map((c) => ({ file: c.file, index: c.top1s[0]!, margin: Math.floor(c.margin * 10_000) / 10_000 }));
  writeGoldAnswers(out, rows);
  return { candidates, rows, out, backend };
}

/** Refuses, before hours of classifying, an image larger than the master takes in a gold set. */
function refuseOversized(images: string, files: string[]): void {
  for (const file of files) {
    const size = fs.statSync(path.join(images, file)).size;
    if (size > MAX_GOLD_IMAGE_BYTES) {
      throw new GoldSetError(`${file} is ${size} bytes; a gold image may be at most ${MAX_GOLD_IMAGE_BYTES} (the master refuses to start with a larger one)`);
    }
  }
}

/** Writes gold.csv; refuses a set with more rows than the master starts with, writing nothing. */
export function writeGoldAnswers(out: string, rows: GoldRow[]): void {
  if (rows.length > MAX_GOLD_IMAGES) {
    throw new GoldSetError(
      `${rows.length} images kept; a gold set holds at most ${MAX_GOLD_IMAGES} (the master refuses to start with more): use fewer images or a higher --min-margin`,
    );
  }
  fs.writeFileSync(out, [GOLD_CSV_HEADER, ...rows.map((row) => `${row.file},${row.index},${row.margin}`)].join('\n') + '\n');
}
