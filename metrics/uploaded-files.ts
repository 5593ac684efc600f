// Jobs submitted from code (tests, benchmarks) as an upload would bring them: each
// image a file of its own on disk, which the store takes (the embedded store
// moves it; the Redis store reads it). The files live in one temp folder,
// removed after the test file that made it (vitest kills its workers, so an
// exit handler alone would leave it) or when a benchmark's process exits.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { UploadedFile } from '../master/images/image-store.ts';
import type { NewJob } from '../master/store/job-store.ts';

let dir: string | null = null;

function removeFolder(): void {
  if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
}

// Imported only under vitest: outside its runner (a benchmark) vitest refuses to load.
if (process.env.VITEST) (await import('vitest')).afterAll(removeFolder);

/** Writes `bytes` to a fresh file, as the upload middleware would have. */
export function uploadedFile(bytes: Uint8Array): UploadedFile {
  if (dir === null) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-uploaded-'));
    process.once('exit', removeFolder);
  }
  const file = path.join(dir, randomUUID());
  fs.writeFileSync(file, bytes);
  return { path: file, size: bytes.byteLength };
}

/** A job to submit, its image written to a file of its own. */
export const newJob = (fileName: string, contentType: string, bytes: Uint8Array): NewJob => ({ fileName, contentType, image: uploadedFile(bytes) });
