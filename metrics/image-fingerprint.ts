// Which of a known set of images a worker was handed, whatever its encoding: real jobs arrive as the
// submitted image prepared at the model's size, spot checks as a fresh re-encoding that also crops up to
// GOLD_CROP_PERCENT off each side (master/trust/gold-reencoding.ts). The fingerprint is an 8×8 grayscale
// thumbnail, normalised to mean 0 and unit spread, compared by RMS distance. A crop shifts every cell: on
// its own the fingerprint moved by up to 0.54 under a re-encoding while the closest two dev images are 0.53
// apart, and one draw in a few hundred named the wrong image. So each known image is kept as a finer
// grayscale reference (a summed-area table), the nearest few by plain fingerprint are shortlisted, and each
// is fingerprinted again over the crops the re-encoding can make: the best crop lines the cells up again.
// Measured on 1,000 re-encodings of the 200 dev images: every one named right, at most 0.14 from its image,
// the next shortlisted image at least 0.46 away (3.7 times farther, at least). Exact bytes are looked up
// first, as they cost no decode.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { GOLD_CROP_PERCENT } from '../master/trust/gold-reencoding.ts';

/** Side of the grayscale thumbnail. */
export const FINGERPRINT_SIDE = 8;
const CELLS = FINGERPRINT_SIDE * FINGERPRINT_SIDE;
/** Side of the grayscale reference a fingerprint of any crop is taken from. */
const REFERENCE_SIDE = 64;
/** How many known images, nearest by plain fingerprint, are searched over crops. */
const SHORTLIST = 8;
/** The crops searched on each side, in percent: 0 to GOLD_CROP_PERCENT in steps of this. */
const CROP_STEP_PERCENT = 2;
const CROPS = Array.from({ length: Math.floor(GOLD_CROP_PERCENT / CROP_STEP_PERCENT) + 1 }, (_, step) => (step * CROP_STEP_PERCENT) / 100);

/** A span of one side of the image, as fractions of it, cut into the thumbnail's cells: their edges in reference pixels. */
function cellEdges(from: number, to: number): Float64Array {
  return Float64Array.from({ length: FINGERPRINT_SIDE + 1 }, (_, i) => (from + ((to - from) * i) / FINGERPRINT_SIDE) * REFERENCE_SIDE);
}
const WHOLE = cellEdges(0, 1);
/** Every span of a side the re-encoding's crop can leave. */
const CROP_SPANS = CROPS.flatMap((start) => CROPS.map((end) => cellEdges(start, 1 - end)));

/** Summed-area table of a square grayscale image: the thumbnail of any window of it, at fractional edges. */
class Reference {
  private readonly sums: Float64Array;
  private readonly stride = REFERENCE_SIDE + 1;

  constructor(pixels: Uint8Array) {
    this.sums = new Float64Array(this.stride * this.stride);
    for (let y = 0; y < REFERENCE_SIDE; y++) {
      let row = 0;
      for (let x = 0; x < REFERENCE_SIDE; x++) {
        row += pixels[y * REFERENCE_SIDE + x]!;
        this.sums[(y + 1) * this.stride + x + 1] = this.sums[y * this.stride + x + 1]! + row;
      }
    }
  }

  static async of(image: Uint8Array): Promise<Reference> {
    return new Reference(await sharp(image).rotate().grayscale().resize(REFERENCE_SIDE, REFERENCE_SIDE, { fit: 'fill' }).raw().toBuffer());
  }

  /** The fingerprint of the whole image. */
  fingerprint(): Float64Array {
    const print = new Float64Array(CELLS);
    this.thumbnail(this.rowsAt(WHOLE), WHOLE, print);
    return normalise(print);
  }

  /** The distance from `print` to the fingerprint of the crop of this image that matches it best. */
  nearestCrop(print: Float64Array): number {
    const crop = new Float64Array(CELLS);
    let nearest = Number.POSITIVE_INFINITY;
    for (const ys of CROP_SPANS) {
      const rows = this.rowsAt(ys);
      for (const xs of CROP_SPANS) {
        this.thumbnail(rows, xs, crop);
        nearest = Math.min(nearest, fingerprintDistance(print, normalise(crop)));
      }
    }
    return nearest;
  }

  /** The sums over [0, x) × [0, y) for each y of `ys` and every whole x, interpolated between table rows (exact for constant pixels). */
  private rowsAt(ys: Float64Array): Float64Array[] {
    return Array.from(ys, (y) => {
      const y0 = Math.min(Math.floor(y), REFERENCE_SIDE - 1);
      const fy = y - y0;
      return Float64Array.from({ length: this.stride }, (_, x) => this.sums[y0 * this.stride + x]! * (1 - fy) + this.sums[(y0 + 1) * this.stride + x]! * fy);
    });
  }

  /** Writes each cell's sum into `cells`: the rows at its edges, interpolated at the x edges. */
  private thumbnail(rows: Float64Array[], xs: Float64Array, cells: Float64Array): void {
    for (let j = 0; j < FINGERPRINT_SIDE; j++) {
      const above = rows[j]!;
      const below = rows[j + 1]!;
      let previous = columnSum(below, xs[0]!) - columnSum(above, xs[0]!);
      for (let i = 0; i < FINGERPRINT_SIDE; i++) {
        const next = columnSum(below, xs[i + 1]!) - columnSum(above, xs[i + 1]!);
        cells[j * FINGERPRINT_SIDE + i] = next - previous;
        previous = next;
      }
    }
  }
}

/** A row of sums at fractional x. */
function columnSum(row: Float64Array, x: number): number {
  const x0 = Math.min(Math.floor(x), REFERENCE_SIDE - 1);
  const fx = x - x0;
  return row[x0]! * (1 - fx) + row[x0 + 1]! * fx;
}

/** Scales the cells in place to mean 0 and unit spread; a flat image has no spread and gives all zeros. */
function normalise(cells: Float64Array): Float64Array {
  let sum = 0;
  for (const value of cells) sum += value;
  const mean = sum / cells.length;
  let squares = 0;
  for (const value of cells) squares += (value - mean) ** 2;
  const spread = Math.sqrt(squares / cells.length) || 1;
  for (let i = 0; i < cells.length; i++) cells[i] = (cells[i]! - mean) / spread;
  return cells;
}

/** The fingerprint of the whole image. */
export async function fingerprint(image: Uint8Array): Promise<Float64Array> {
  return (await Reference.of(image)).fingerprint();
}

/** Root mean square difference of two fingerprints. */
export function fingerprintDistance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum / a.length);
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface Identified {
  /** Position of the nearest known image. */
  index: number;
  /** Its distance at the crop that matches best (0 for the same bytes), and the next nearest shortlisted image's. */
  distance: number;
  runnerUp: number;
}

export class ImageIndex {
  private constructor(
    private readonly references: Reference[],
    private readonly fingerprints: Float64Array[],
    private readonly byDigest: Map<string, number>,
  ) {}

  /** Indexes the images in order: identify answers positions in this list. */
  static async of(images: Uint8Array[]): Promise<ImageIndex> {
    const references = await Promise.all(images.map((image) => Reference.of(image)));
    const fingerprints = references.map((reference) => reference.fingerprint());
    return new ImageIndex(references, fingerprints, new Map(images.map((bytes, i) => [digest(bytes), i])));
  }

  async identify(image: Uint8Array): Promise<Identified> {
    const exact = this.byDigest.get(digest(image));
    if (exact !== undefined) return { index: exact, distance: 0, runnerUp: Number.POSITIVE_INFINITY };
    const print = await fingerprint(image);
    const shortlist = this.fingerprints
      .map((known, index) => ({ index, distance: fingerprintDistance(print, known) }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, SHORTLIST)
      .map(({ index }) => ({ index, distance: this.references[index]!.nearestCrop(print) }))
      .sort((a, b) => a.distance - b.distance);
    return {
      index: shortlist[0]?.index ?? -1,
      distance: shortlist[0]?.distance ?? Number.POSITIVE_INFINITY,
      runnerUp: shortlist[1]?.distance ?? Number.POSITIVE_INFINITY,
    };
  }
}
