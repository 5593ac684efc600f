// The spot-check ("gold") images: an operator's folder of images and an answers file (gold.csv, made
// by `npm run gold`) with `file,index,margin`: the served model's top-1 class for each image and its
// probability's margin over the second class's. Only images with a wide margin make good gold (honest
// backends disagree on borderline ones), and each draw is a fresh re-encoding in the form jobs reach workers
// (gold-reencoding.ts), so no two spot checks share bytes, a size or a hash, and none differs from a job in
// its dimensions or format. Only the rows are held: each draw reads its image from the folder.
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { PREPARED_TYPE } from '../images/prepared-image.ts';
import { reencodeGold } from './gold-reencoding.ts';

/** Rows with a smaller margin are left out: the model's answer is too close to call on them. */
export const GOLD_MIN_MARGIN = 0.5;
/** Most rows an answers file may have. */
export const MAX_GOLD_IMAGES = 10_000;
/** Largest gold image file. */
export const MAX_GOLD_IMAGE_BYTES = 10 * 1024 * 1024;
/** No two of this many most recent draws have the same length (a draw whose length repeats is encoded again). */
export const RECENT_GOLD_SIZES = 100;
const MAX_ENCODINGS_PER_DRAW = 20;
const GOLD_FORMATS = new Set(['jpeg', 'png', 'webp']);
export const GOLD_CSV_HEADER = 'file,index,margin';

export class GoldSetError extends Error {
  override name = 'GoldSetError';
}

const decimal = z.string().regex(/^\d+(\.\d+)?(e-?\d+)?$/i, 'expected a number');
const GoldRow = z.object({
  file: z
    .string()
    .regex(/^[^/\\]+$/, 'expected a file name in the gold folder, without a path')
    .refine((name) => name !== '.' && name !== '..', 'expected a file name in the gold folder'),
  index: z.string().regex(/^\d+$/, 'expected a class index 0..999').transform(Number).pipe(z.number().max(999, 'expected a class index 0..999')),
  margin: decimal.transform(Number).pipe(z.number().max(1, 'expected a margin between 0 and 1')),
});
export type GoldRow = z.infer<typeof GoldRow>;

export interface GoldDraw {
  bytes: Buffer;
  /** A prepared image's: what every job's lease carries. */
  contentType: typeof PREPARED_TYPE;
  /** The served model's top-1 class index for the image. */
  answer: number;
}

export interface GoldSetOptions {
  /** The folder of images. */
  dir: string;
  /** The answers file; default `<dir>/gold.csv`. */
  answers?: string;
  minMargin?: number;
  /** The served model's input size (ModelView.imageSize): every draw is this many pixels a side, as a job's prepared image is. */
  imageSize: number;
}

/** The rows of an answers file, each checked; throws GoldSetError naming the file and line of the first bad one. */
export function readGoldAnswers(file: string): GoldRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new GoldSetError(`cannot read the gold answers ${file}: ${(error as Error).message}`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  if (lines[0]?.trim() !== GOLD_CSV_HEADER) throw new GoldSetError(`${file}:1: expected the header "${GOLD_CSV_HEADER}"`);
  if (lines.length - 1 > MAX_GOLD_IMAGES) throw new GoldSetError(`${file}: ${lines.length - 1} rows; a gold set holds at most ${MAX_GOLD_IMAGES}`);
  const seen = new Set<string>();
  return lines.slice(1).map((line, i) => {
    const where = `${file}:${i + 2}`;
    const fields = line.trim().split(',');
    if (fields.length !== 3) throw new GoldSetError(`${where}: expected 3 fields "file,index,margin", got ${fields.length}`);
    const parsed = GoldRow.safeParse({ file: fields[0], index: fields[1], margin: fields[2] });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new GoldSetError(`${where}: ${String(issue.path[0])}: ${issue.message}`);
    }
    if (seen.has(parsed.data.file)) throw new GoldSetError(`${where}: "${parsed.data.file}" appears twice`);
    seen.add(parsed.data.file);
    return parsed.data;
  });
}

export class GoldSet {
  private readonly recentSizes: number[] = [];

  /** Reads and checks the answers and every image they name that has a wide enough margin. */
  static async load({ dir, answers = path.join(dir, 'gold.csv'), minMargin = GOLD_MIN_MARGIN, imageSize }: GoldSetOptions): Promise<GoldSet> {
    const rows = readGoldAnswers(answers);
    const kept = rows.filter((row) => row.margin >= minMargin);
    if (kept.length === 0) throw new GoldSetError(`${answers}: none of its ${rows.length} images has a margin of at least ${minMargin}`);
    for (const row of kept) {
      const where = `${answers}:${rows.indexOf(row) + 2}`;
      const file = path.join(dir, row.file);
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (!stat?.isFile()) throw new GoldSetError(`${where}: no image "${row.file}" in ${dir}`);
      if (stat.size > MAX_GOLD_IMAGE_BYTES) throw new GoldSetError(`${where}: "${row.file}" is larger than ${MAX_GOLD_IMAGE_BYTES} bytes`);
      const format = await sharp(file)
        .metadata()
        .then((metadata) => metadata.format as string)
        .catch(() => 'unreadable');
      if (!GOLD_FORMATS.has(format)) throw new GoldSetError(`${where}: "${row.file}" is not a JPEG, PNG or WebP image (${format})`);
    }
    return new GoldSet(dir, kept, imageSize);
  }

  private constructor(
    private readonly dir: string,
    private readonly rows: GoldRow[],
    private readonly imageSize: number,
  ) {}

  /** How many images spot checks are drawn from. */
  get size(): number {
    return this.rows.length;
  }

  /** A random gold image, freshly encoded, with the answer the served model gives for it. */
  async next(): Promise<GoldDraw> {
    const row = this.rows[randomInt(this.rows.length)]!;
    const original = await fs.promises.readFile(path.join(this.dir, row.file));
    for (let encodings = 0; encodings < MAX_ENCODINGS_PER_DRAW; encodings++) {
      const bytes = await reencodeGold(original, this.imageSize);
      if (this.recentSizes.includes(bytes.length)) continue;
      this.recentSizes.push(bytes.length);
      if (this.recentSizes.length > RECENT_GOLD_SIZES) this.recentSizes.shift();
      return { bytes, contentType: PREPARED_TYPE, answer: row.index };
    }
    throw new GoldSetError(`"${row.file}" gave ${MAX_ENCODINGS_PER_DRAW} encodings in a row of a recently drawn size`);
  }
}
