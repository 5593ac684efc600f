// Calls to every partition while some may be out of reach (their cluster node is down): what those in reach answer,
// and how many did not. Reaping, the master watch and indexing at connect go on with the partitions in reach; each
// runs again later (every few seconds, or at a reaper tick), so a partition missed now is reached on a later pass.
// Readiness holds while any one answers.
import type { LeaseRef } from '../job-store.ts';
import { StoreUnavailableError } from '../store-errors.ts';
import type { RedisPartition } from './redis-partition.ts';

/** What the partitions in reach answered; `unreached` partitions (nodes down) did not. */
export interface Reached<T> {
  values: T[];
  unreached: number;
}

/** Leases read from the partitions in reach; `unreached` partitions (nodes down) may hold more. */
export interface ReachedLeases<L extends LeaseRef = LeaseRef> {
  leases: L[];
  unreached: number;
}

/** Settles `calls`, one per partition. Fails only when none is in reach, or with any error that is not an outage. */
export async function inEveryReachable<T>(calls: Promise<T>[]): Promise<Reached<T>> {
  const outcomes = await Promise.allSettled(calls);
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  const other = failures.find((reason) => !(reason instanceof StoreUnavailableError));
  if (other !== undefined || failures.length === outcomes.length) throw other ?? failures[0];
  return { values: outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : [])), unreached: failures.length };
}

/** Leases read from every partition in reach, as inEveryReachable. */
export async function fromEveryReachable<L extends LeaseRef>(
  partitions: readonly RedisPartition[],
  read: (partition: RedisPartition) => Promise<L[]>,
): Promise<ReachedLeases<L>> {
  const { values, unreached } = await inEveryReachable(partitions.map(read));
  return { leases: values.flat(), unreached };
}

/**
 * Resolves once any partition's node answers a read (readiness): on a cluster a node down or hung stops only its
 * partitions, and a bare PING went to a random node, so readiness flapped with one node hung. The first failure when
 * none answers.
 */
export async function anyAnswers(partitions: readonly RedisPartition[]): Promise<void> {
  try {
    await Promise.any(partitions.map((partition) => partition.queuedCount()));
  } catch (error) {
    throw (error as AggregateError).errors[0];
  }
}
