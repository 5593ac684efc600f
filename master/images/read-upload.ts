// Reading an uploaded file's bytes, as the Redis store does to keep them.
// multer wrote the file moments before, so it is in the page cache. An
// asynchronous readFile hands libuv's threadpool at least four steps (open,
// fstat, a read per 512 KiB, close), each a wake-up of the event loop: 150-250 µs
// of CPU per file on this project's 2-core machine whatever its size, while a
// synchronous read of a cached file up to 1 MiB took 15-240 µs. Larger files
// still go through the threadpool, so no read stalls the loop for long.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import type { UploadedFile } from './image-store.ts';

/** Files up to this size are read in place (see above). */
export const IN_PLACE_READ_MAX_BYTES = 1024 * 1024;

export async function readUpload(file: UploadedFile): Promise<Buffer> {
  return file.size <= IN_PLACE_READ_MAX_BYTES ? fs.readFileSync(file.path) : fsp.readFile(file.path);
}
