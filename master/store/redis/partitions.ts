// How the Redis queue is split into partitions (QUEUE_PARTITIONS): each is a
// full set of the store's keys under its own hash tag (redis-keys.ts), so a
// Redis Cluster spreads them over its nodes while every script still runs on
// one. A job lives in one partition for its whole life, and its id says
// which: the partition is a hash of the id, and a new job's id is drawn until
// it lands in the partition its request was given. Ids stay plain UUIDs.
import { randomUUID } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';

/** The most partitions a store may have: enough to spread over any cluster we test, few enough that a read visiting each stays cheap. */
export const MAX_PARTITIONS = 64;

/** The partition a job id (or an idempotency key) belongs to, out of `count`: Redis Cluster's own hash (CRC16) of it. */
export function partitionOf(id: string, count: number): number {
  if (count === 1) return 0;
  return calculateSlot(id) % count;
}

/** A fresh job id in `partition`: about `count` draws on average, each a UUID. */
export function idIn(partition: number, count: number): string {
  for (;;) {
    const id = randomUUID();
    if (partitionOf(id, count) === partition) return id;
  }
}

/** Each partition's share of the pending-jobs limit, so that together they admit at most the limit (rounded up to a multiple of `count`). */
export const shareOf = (maxPendingJobs: number, count: number) => Math.ceil(maxPendingJobs / count);
