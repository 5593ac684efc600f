// A fresh encoding of a spot-check image for every draw, so a worker cannot tell gold from real work
// by its bytes, its size or its hash: a random crop of a few percent on each side, a small random
// downscale, a random JPEG quality, and no metadata (sharp writes none unless asked). The frame stays
// the same picture, so the served model's answer does not change (npm run gold checks that it does not).
import { randomInt } from 'node:crypto';
import sharp from 'sharp';

/** Most of each side cropped away, and most of the size scaled away, in percent. */
export const GOLD_CROP_PERCENT = 4;
export const GOLD_SCALE_PERCENT = 8;
/** The JPEG quality range drawn from (inclusive). */
export const GOLD_JPEG_QUALITY = { min: 80, max: 95 } as const;

/** A random fraction in [0, percent/100], in steps of 0.1 percent. */
const upTo = (percent: number) => randomInt(0, percent * 10 + 1) / 1000;

/** Decodes `original` (any format sharp reads, EXIF orientation applied) and encodes it again as a fresh JPEG. */
export async function reencodeGold(original: Uint8Array): Promise<Buffer> {
  const { data, info } = await sharp(original).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const left = Math.round(info.width * upTo(GOLD_CROP_PERCENT));
  const top = Math.round(info.height * upTo(GOLD_CROP_PERCENT));
  const width = info.width - left - Math.round(info.width * upTo(GOLD_CROP_PERCENT));
  const height = info.height - top - Math.round(info.height * upTo(GOLD_CROP_PERCENT));
  const scale = 1 - upTo(GOLD_SCALE_PERCENT);
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .extract({ left, top, width, height })
    .resize(Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)))
    .jpeg({ quality: randomInt(GOLD_JPEG_QUALITY.min, GOLD_JPEG_QUALITY.max + 1) })
    .toBuffer();
}
