// What an Idempotency-Key remembers of the request that first used it, so a reuse
// with other images can be told from a retry: a SHA-256 over each file's name,
// type and bytes, in order. Both stores compare the same digest, and store the
// key scoped to its owner.
import { createHash } from 'node:crypto';
import type { NewJob } from './job-store.ts';

export function requestDigest(jobs: NewJob[]): string {
  const digest = createHash('sha256');
  for (const job of jobs) {
    const image = createHash('sha256').update(job.image).digest('hex');
    digest.update(JSON.stringify([job.fileName, job.contentType, image]));
  }
  return digest.digest('hex');
}

/** The key an Idempotency-Key is stored under: one owner's key never names another owner's jobs. */
export function idempotencyScope(owner: string | undefined, key: string): string {
  return `${owner ?? ''} ${key}`;
}
