// The images under the paths a person names: folders are walked recursively, and
// a file counts as an image by its bytes (as the master judges), never its name.
import fs from 'node:fs/promises';
import path from 'node:path';
import { sniffImageType } from '../master/http/image-types.ts';

/** file-type reads at most this much of a file to recognise it. */
const SNIFF_BYTES = 4100;

export interface FoundFiles {
  images: string[];
  /** Files that are not an image the service can read. */
  skipped: string[];
  /** Entries that could not be looked at (a broken link, a link loop, no permission), with why: failed files, not a failed run. */
  unreadable: { path: string; error: string }[];
}

export async function findImages(paths: string[]): Promise<FoundFiles> {
  const found: FoundFiles = { images: [], skipped: [], unreadable: [] };
  for (const given of paths) await visit(path.resolve(given), found);
  found.images.sort();
  return found;
}

async function visit(file: string, found: FoundFiles): Promise<void> {
  try {
    const stat = await fs.stat(file);
    if (stat.isDirectory()) {
      for (const entry of await fs.readdir(file)) await visit(path.join(file, entry), found);
    } else if (stat.isFile()) {
      if (await isImage(file)) found.images.push(file);
      else found.skipped.push(file);
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
