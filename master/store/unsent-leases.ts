// A lease call that fails part-way (an image that cannot be read, a partition that answers with an error) must not
// leave behind the leases it made: no worker was handed them, and left alone they would wait out LEASE_MS and then
// count against the workers named on them as expired attempts (three of those fail a trusted worker's job).
import type { JobStore, LeaseRef } from './job-store.ts';

/** Why such a lease ended, naming what failed the call. */
export const unsentReason = (cause: unknown) => `the master could not hand the job out (${cause instanceof Error ? cause.message : String(cause)})`;

/** Puts back the leases of a failed lease call at once, as lost; one that cannot be put back expires as before. */
export async function releaseUnsent(store: Pick<JobStore, 'release'>, leases: readonly (LeaseRef | null)[], cause: unknown, now: number): Promise<void> {
  const reason = unsentReason(cause);
  for (const lease of leases) {
    if (lease) await store.release(lease, 'lost', reason, now).catch(() => undefined);
  }
}
