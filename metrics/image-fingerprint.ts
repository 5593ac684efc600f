// Which of a known set of images a worker was handed, whatever its encoding: real jobs arrive as the
// submitted bytes, spot checks as a fresh re-encoding (a crop of a few percent, a downscale, a new JPEG
// quality: master/trust/gold-reencoding.ts). The fingerprint is an 8×8 grayscale thumbnail, normalised
// to mean 0 and unit spread; the known image at the smallest RMS distance names it. Measured on the 200
// dev images: a re-encoding moves its fingerprint by at most ~0.45, while the closest two images are ~0.53
// apart (larger thumbnails and binary average hashes separate worse: a crop shifts their edges).
// Exact bytes are looked up first, as they cost no decode.
import { createHash } from 'node:crypto';
import sharp from 'sharp';

/** Side of the grayscale thumbnail. */
export const FINGERPRINT_SIDE = 8;

export async function fingerprint(image: Uint8Array): Promise<Float64Array> {
  const pixels = await sharp(image).rotate().grayscale().resize(FINGERPRINT_SIDE, FINGERPRINT_SIDE, { fit: 'fill' }).raw().toBuffer();
  const mean = pixels.reduce((sum, value) => sum + value, 0) / pixels.length;
  const spread = Math.sqrt(pixels.reduce((sum, value) => sum + (value - mean) ** 2, 0) / pixels.length);
  // A flat image has no spread: its fingerprint is all zeros.
  return Float64Array.from(pixels, (value) => (value - mean) / (spread || 1));
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
  /** Its distance (0 for the same bytes), and the distance of the next nearest known image. */
  distance: number;
  runnerUp: number;
}

export class ImageIndex {
  private constructor(
    private readonly fingerprints: Float64Array[],
    private readonly byDigest: Map<string, number>,
  ) {}

  /** Indexes the images in order: identify answers positions in this list. */
  static async of(images: Uint8Array[]): Promise<ImageIndex> {
    const fingerprints = await Promise.all(images.map(fingerprint));
    return new ImageIndex(fingerprints, new Map(images.map((bytes, i) => [digest(bytes), i])));
  }

  async identify(image: Uint8Array): Promise<Identified> {
    const exact = this.byDigest.get(digest(image));
    if (exact !== undefined) return { index: exact, distance: 0, runnerUp: Number.POSITIVE_INFINITY };
    const print = await fingerprint(image);
    let best: Identified = { index: -1, distance: Number.POSITIVE_INFINITY, runnerUp: Number.POSITIVE_INFINITY };
    for (const [index, known] of this.fingerprints.entries()) {
      const distance = fingerprintDistance(print, known);
      if (distance < best.distance) best = { index, distance, runnerUp: best.distance };
      else if (distance < best.runnerUp) best.runnerUp = distance;
    }
    return best;
  }
}
