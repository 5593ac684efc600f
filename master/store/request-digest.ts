// What an Idempotency-Key remembers of the request that first used it, so a reuse
// with other images can be told from a retry: a SHA-256 over each file's name,
// type and bytes, in order. Both stores compare the same digest, and store the
// key scoped to its owner. Files are read as streams, so a request's images are
// never in memory at once.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { NewJob } from './job-store.ts';

export async function requestDigest(jobs: NewJob[]): Promise<string> {
  const digest = createHash('sha256');
  for (const job of jobs) {
    const image = createHash('sha256');
    for await (const chunk of fs.createReadStream(job.image.path)) image.update(chunk as Buffer);
    digest.update(JSON.stringify([job.fileName, job.contentType, image.digest('hex')]));
  }
  return digest.digest('hex');
}

/** The key an Idempotency-Key is stored under: one owner's key never names another owner's jobs. */
export function idempotencyScope(owner: string | undefined, key: string): string {
  return `${owner ?? ''} ${key}`;
}
