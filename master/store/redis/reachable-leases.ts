// Reading leases from every partition while some may be out of reach (their
// cluster node is down). Reaping and the master watch run every few seconds, so
// a partition missed now is read again on a later pass.
import type { LeaseRef } from '../job-store.ts';
import { StoreUnavailableError } from '../store-errors.ts';
import type { RedisPartition } from './redis-partition.ts';

/** Leases read from the partitions in reach; `unreached` partitions (nodes down) may hold more. */
export interface ReachedLeases<L extends LeaseRef = LeaseRef> {
  leases: L[];
  unreached: number;
}

/** Leases read from every partition in reach. Fails only when none is in reach, or with any error that is not an outage. */
export async function fromEveryReachable<L extends LeaseRef>(
  partitions: readonly RedisPartition[],
  read: (partition: RedisPartition) => Promise<L[]>,
): Promise<ReachedLeases<L>> {
  const outcomes = await Promise.allSettled(partitions.map(read));
  const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
  const other = failures.find((reason) => !(reason instanceof StoreUnavailableError));
  if (other !== undefined || failures.length === outcomes.length) throw other ?? failures[0];
  return { leases: outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : [])), unreached: failures.length };
}
