// Uploads are judged by their bytes, never by their name or declared type.
import { fileTypeFromBuffer } from 'file-type';

/** Formats every browser worker can decode with createImageBitmap. */
const DECODABLE = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp', 'image/avif']);

export async function sniffImageType(bytes: Uint8Array): Promise<string | null> {
  const type = await fileTypeFromBuffer(bytes);
  return type && DECODABLE.has(type.mime) ? type.mime : null;
}

export const ACCEPTED_IMAGE_TYPES = [...DECODABLE];
