// What an acceptable image is, decided here only: its bytes name a format every
// browser worker can decode (never its file name or declared type), its header
// declares dimensions within the limits, and it really decodes. A file that
// fails any of these is refused at upload instead of being shipped to workers.
// The decode that proves it is the one that prepares what workers receive
// (master/images/prepared-image.ts), so an upload is decoded once.
import fs from 'node:fs/promises';
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';
import sharp from 'sharp';
import { ImagePreparationError, UndecodableImageError, type ImagePreparer, type PreparedImage } from '../images/prepared-image.ts';

/** Formats every browser worker decodes with createImageBitmap and the master can decode to check (sharp has no BMP). */
const DECODABLE = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif']);

export const ACCEPTED_IMAGE_TYPES = [...DECODABLE];

// Every upload is new bytes: caching decoded inputs would only hold memory.
sharp.cache(false);

export interface ImageLimits {
  maxImageWidth: number;
  maxImageHeight: number;
  maxImagePixels: number;
}

export type ImageCheck =
  | { ok: true; contentType: string; width: number; height: number; prepared: PreparedImage }
  | { ok: false; code: 'not-an-image' | 'image-too-large' | 'undecodable-image' | 'preparation-failed'; problem: string };

/** The refusal of a file that does not decode, once it is sure the file could be opened (else the master's failure). */
async function undecodable(filePath: string, contentType: string, why: string): Promise<ImageCheck> {
  await mustOpen(filePath);
  return { ok: false, code: 'undecodable-image', problem: `does not decode as ${contentType} (${why})` };
}

/** The format its first bytes name, if it is one the service accepts (enough for a client to choose files). */
export async function sniffImageType(bytes: Uint8Array): Promise<string | null> {
  return accepted(await fileTypeFromBuffer(bytes));
}

const accepted = (type: { mime: string } | undefined) => (type && DECODABLE.has(type.mime) ? type.mime : null);

/**
 * Judges a whole uploaded file, read from disk (never whole into memory), and prepares it for the workers; never
 * allocates pixels for an image whose header breaks a limit.
 */
export async function checkImage(filePath: string, limits: ImageLimits, preparer: ImagePreparer): Promise<ImageCheck> {
  const contentType = accepted(await fileTypeFromFile(filePath));
  if (!contentType) return { ok: false, code: 'not-an-image', problem: `is not an image this service can read (accepted: ${ACCEPTED_IMAGE_TYPES.join(', ')})` };
  let width: number;
  let height: number;
  try {
    // Reads the header only; the dimensions as shown, EXIF orientation applied, as the image is decoded.
    ({ width, height } = (await sharp(filePath, { limitInputPixels: false }).metadata()).autoOrient);
  } catch (error) {
    return undecodable(filePath, contentType, firstLine(error));
  }
  const tooLarge = dimensionProblem(width, height, limits);
  if (tooLarge) return { ok: false, code: 'image-too-large', problem: tooLarge };
  let prepared: PreparedImage;
  try {
    // A full decode: truncated or corrupt data is refused.
    prepared = await preparer.prepare(filePath);
  } catch (error) {
    if (error instanceof UndecodableImageError) return undecodable(filePath, contentType, error.message);
    if (error instanceof ImagePreparationError)
      return { ok: false, code: 'preparation-failed', problem: `decodes, but the master could not prepare it for the workers (${error.message})` };
    throw error;
  }
  return { ok: true, contentType, width, height, prepared };
}

/**
 * libvips reports a file it could not open (the process out of file descriptors) as one in an unsupported format: before
 * an image is called undecodable, the file is opened once more, and a failure to open it is thrown as the master's
 * own (errors.ts: 503 storage-unavailable), not blamed on the image.
 */
async function mustOpen(filePath: string): Promise<void> {
  await (await fs.open(filePath)).close();
}

function dimensionProblem(width: number, height: number, { maxImageWidth, maxImageHeight, maxImagePixels }: ImageLimits): string | null {
  const size = `is ${width} × ${height} pixels`;
  if (width > maxImageWidth) return `${size}, wider than the limit of ${maxImageWidth} (MAX_IMAGE_WIDTH)`;
  if (height > maxImageHeight) return `${size}, taller than the limit of ${maxImageHeight} (MAX_IMAGE_HEIGHT)`;
  if (width * height > maxImagePixels) return `${size}, more than the limit of ${maxImagePixels} pixels (MAX_IMAGE_PIXELS)`;
  return null;
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
