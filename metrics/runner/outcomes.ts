// Every image sent ends in exactly one bucket, so the buckets always add up
// to the number of images and nothing is quietly dropped from a denominator.
import type { JobRecord } from './job-records.ts';

/**
 * correct / wrong: done, top-1 right or not.
 * failed: acknowledged, and the master gave up on it (attempts exhausted, undecodable).
 * missing: acknowledged, but not done or failed when the wait ended (or unknown to the master).
 * unacknowledged: the client never got a 201, even after retries; counted here even
 *   when the master did create the job (the client cannot know of it).
 */
export const BUCKETS = ['correct', 'wrong', 'failed', 'missing', 'unacknowledged'] as const;
export type Bucket = (typeof BUCKETS)[number];

type Classifiable = Pick<JobRecord, 'ackedAt' | 'status' | 'top5' | 'trueIndex'>;

export function bucketOf(record: Classifiable): Bucket {
  if (record.ackedAt === null) return 'unacknowledged';
  if (record.status === 'done') return record.top5?.[0] === record.trueIndex ? 'correct' : 'wrong';
  if (record.status === 'failed') return 'failed';
  return 'missing';
}

export function countBuckets(records: readonly Classifiable[]): Record<Bucket, number> {
  const counts = Object.fromEntries(BUCKETS.map((bucket) => [bucket, 0])) as Record<Bucket, number>;
  for (const record of records) counts[bucketOf(record)]++;
  return counts;
}

/** Done, with the true class among the five most probable. */
export const inTop5 = (record: Classifiable) => record.ackedAt !== null && record.status === 'done' && (record.top5 ?? []).includes(record.trueIndex);
