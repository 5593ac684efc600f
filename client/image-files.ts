// The images under the paths a person names: folders are walked recursively, and
// a file counts as an image by its bytes (as the master judges), never its name.
import fs from 'node:fs/promises';
import path from 'node:path';
import { sniffImageType } from '../master/http/image-types.ts';

/** file-type reads at most this much of a file to recognise it. */
const SNIFF_BYTES = 4100;

export interface FoundFiles {
  images: string[];
  /** Files that are not an image the service reads (FIFOs, sockets, devices): counted, the first kept as an example; a list would grow with them. */
  skipped: { count: number; first: string | null };
  /** Entries that could not be looked at (a broken link, a link loop, no permission), with why: failed files, not a failed run. */
  unreadable: { path: string; error: string }[];
}

/** Each real file (links resolved) once, under the first of its paths in sorted order; each real folder walked once. */
export async function findImages(paths: string[]): Promise<FoundFiles> {
  const found: FoundFiles = { images: [], skipped: { count: 0, first: null }, unreadable: [] };
  const walked = new Set<string>();
  for (const given of paths) await visit(path.resolve(given), found, walked);
  found.images.sort();
  const seen = new Set<string>();
  const images: string[] = [];
  for (const image of found.images) {
    const real = await fs.realpath(image).catch((error: Error) => void found.unreadable.push({ path: image, error: error.message }));
    if (real === undefined || seen.has(real)) continue;
    seen.add(real);
    images.push(image);
  }
  return { ...found, images };
}

async function visit(file: string, found: FoundFiles, walked: Set<string>): Promise<void> {
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) {
      // A linked folder is walked once, and a link to a folder above it does not walk forever.
      const real = await fs.realpath(file);
      if (walked.has(real)) return;
      walked.add(real);
      for (const entry of await fs.readdir(file)) await visit(path.join(file, entry), found, walked);
    } else if (stat.isFile() && (await isImage(file))) {
      found.images.push(file);
    } else {
      // Not an image, or not a regular file at all (a FIFO, socket or device): never opened, as reading a FIFO waits for ever.
      found.skipped.count++;
      found.skipped.first ??= file;
    }
  } catch (error) {
    found.unreadable.push({ path: file, error: (error as Error).message });
  }
}

async function isImage(file: string): Promise<boolean> {
  const handle = await fs.open(file);
  try {
    const head = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return (await sniffImageType(head.subarray(0, bytesRead))) !== null;
  } finally {
    await handle.close();
  }
}
