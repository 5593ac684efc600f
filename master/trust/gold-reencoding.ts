// A fresh encoding of a spot-check image for every draw, in exactly the form a job reaches a worker
// (master/images/prepared-image.ts): the model's input size, the same resize and the same encoder with the
// same settings, no metadata. What makes each draw new is a random crop of a few percent on each side
// before the resize, so no two draws share their pixels, bytes or hash. The encoder's settings are not
// jittered: a quality drawn for spot checks alone would show in their headers (jobs have one fixed quality),
// and jittering every job's would make each answer a draw. The frame stays the same picture, so the served
// model's answer does not change (npm run gold checks that it does not).
import { randomInt } from 'node:crypto';
import sharp from 'sharp';
import { encodeModelPixels, toModelPixels } from '../images/prepared-image.ts';

/** Most of each side cropped away, in percent. */
export const GOLD_CROP_PERCENT = 4;

/** A random fraction in [0, percent/100], in steps of 0.1 percent. */
const upTo = (percent: number) => randomInt(0, percent * 10 + 1) / 1000;

/** Decodes `original` (any format sharp reads, EXIF orientation applied), crops a little at random, and prepares it as a job's image is, `size` pixels a side. */
export async function reencodeGold(original: Uint8Array, size: number): Promise<Buffer> {
  const { data, info } = await sharp(original, { autoOrient: true }).raw().toBuffer({ resolveWithObject: true });
  const left = Math.round(info.width * upTo(GOLD_CROP_PERCENT));
  const top = Math.round(info.height * upTo(GOLD_CROP_PERCENT));
  const width = info.width - left - Math.round(info.width * upTo(GOLD_CROP_PERCENT));
  const height = info.height - top - Math.round(info.height * upTo(GOLD_CROP_PERCENT));
  const cropped = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).extract({ left, top, width, height });
  return encodeModelPixels(await toModelPixels(cropped, size));
}
