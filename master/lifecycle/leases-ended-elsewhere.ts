// Leases of workers connected here that another master sharing the store ended. Any master's reaper may expire any
// lease, and a master's watch requeues the leases of one it found silent (master-watch.ts), which may have been only
// stalled; deleting a job ends its lease wherever its worker is. Only the master that applied the transition could
// revoke it itself, and the worker is not connected there: this master hears of it as the job event relayed to it,
// and revokes the lease here as its own reaper would (the worker is told to drop the job, its credit slot is freed,
// and, for an expired lease, its window halved). Otherwise the session would keep the dead lease for the rest of its
// connection, and a worker with credit 1 would never be given work here again.
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Logger } from '../log.ts';
import type { JobStore, LeaseRef } from '../store/job-store.ts';
import { logStoreError } from '../store/store-errors.ts';
import type { JobEvent, JobTransition } from './job-events.ts';

/**
 * The transitions by which a master ends a lease whatever master's worker holds it, and deletions. Each other one
 * ends only a lease held by a worker connected to the master that applies it (answers are fenced to the socket).
 */
const ENDING_ANY_LEASE = new Set<JobTransition>(['expired', 'recovered', 'cancelled', 'cleared', 'purged']);

export interface LeasesEndedElsewhereDeps {
  workers: WorkerRegistry;
  store: JobStore;
  log: Logger;
  /** Forgets the lease held here and tells its worker to drop the job. */
  revoke: (lease: LeaseRef) => void;
  dispatch: () => void;
}

export class LeasesEndedElsewhere {
  /** Jobs whose leases another master ended this turn of the event loop, with how. */
  private pending = new Map<string, JobTransition>();
  /** For each lease call under way, the jobs heard ended since it began. */
  private readonly heardWhileLeasing = new Set<Map<string, JobTransition>>();

  constructor(private readonly deps: LeasesEndedElsewhereDeps) {}

  /**
   * An event another master published, or a delete this master learnt of late (its lease id gone with the job): a
   * lease of the job it names may be held here.
   */
  heard(event: JobEvent): void {
    if (!ENDING_ANY_LEASE.has(event.transition)) return;
    const jobId = event.type === 'job' ? event.job.id : event.id;
    for (const heard of this.heardWhileLeasing) heard.set(jobId, event.transition);
    this.check(jobId, event.transition);
  }

  /**
   * Runs a lease call. What it leases reaches its sessions only once it returns (with the queue in partitions, once
   * the last has answered): a job ended elsewhere meanwhile had no holder here yet, so it is looked for again after.
   */
  async whileLeasing<T>(lease: () => Promise<T>): Promise<T> {
    const heard = new Map<string, JobTransition>();
    this.heardWhileLeasing.add(heard);
    try {
      return await lease();
    } finally {
      this.heardWhileLeasing.delete(heard);
      for (const [jobId, transition] of heard) this.check(jobId, transition);
    }
  }

  private check(jobId: string, transition: JobTransition): void {
    // The jobs of a turn are checked together, with one pass over the sessions here.
    if (this.pending.set(jobId, transition).size === 1) setImmediate(() => void this.revokeEnded());
  }

  private async revokeEnded(): Promise<void> {
    const ended = this.pending;
    this.pending = new Map();
    const held: { session: WorkerSession; lease: LeaseRef; transition: JobTransition }[] = [];
    for (const session of this.deps.workers.all)
      for (const lease of session.leases) {
        const transition = ended.get(lease.jobId);
        if (transition) held.push({ session, lease, transition });
      }
    if (!held.length) return;
    // Asked all at once: a store that hangs costs one timeout, not one per lease.
    const current = await Promise.allSettled(held.map(({ lease, transition }) => this.isCurrent(lease, transition)));
    held.forEach(({ session, lease, transition }, i) => {
      const asked = current[i]!;
      // One the store could not be asked about is left to the session's overdue check; answered meanwhile (the store
      // refused it), or still its job's lease: nothing to revoke.
      if (asked.status === 'rejected' || asked.value || !session.holds(lease)) return;
      if (transition === 'expired') session.recordExpired();
      this.deps.revoke(lease);
    });
    const unread = current.find((asked) => asked.status === 'rejected');
    if (unread) logStoreError(this.deps.log, unread.reason, 'could not read the jobs another master ended');
    this.deps.dispatch();
  }

  /**
   * Whether the lease is still its job's current one: the job may have been leased again, here or elsewhere, before
   * this master heard of it, so the store says which lease of it lives. A deleted job has none.
   */
  private async isCurrent(lease: LeaseRef, transition: JobTransition): Promise<boolean> {
    if (transition !== 'expired' && transition !== 'recovered') return false;
    const job = await this.deps.store.getDetail(lease.jobId);
    return job?.timeline.some((attempt) => attempt.leaseId === lease.leaseId && attempt.outcome === 'running') === true;
  }
}
