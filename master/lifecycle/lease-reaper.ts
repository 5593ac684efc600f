// The lease reaper: what this master does about work held too long. A lease past its deadline in the store goes back to
// the queue (or fails, out of attempts) and its worker, if connected here, is told to drop it and trusted with less; a
// late answer would be fenced off anyway. A deadline is on the clock of the master that made the lease, so a lease
// another master sharing Redis made is taken only a further LEASE_MS past it: a clock running ahead of that master's by
// less takes no lease early (each early one was an expired attempt, three fail a job). Those leases are their own
// master's to reap, or the master watch's (master-watch.ts) once it died; this is the backstop. A spot check held past
// LEASE_MS is taken back the same way, so holding one tells a worker nothing a job would not; and a job held here long
// past its lease, whose end this master never heard of (a relay message lost), is let go too. It runs every quarter
// lease (50 ms to 1 s), so a lease is noticed expired within a quarter of its length. Its tick also retries the
// backtracking a blacklisting still owes (volunteer-trust.ts): a master that died, or a store call that failed, midway
// left jobs resting on a liar's word.
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { Logger } from '../log.ts';
import type { JobStore, LeaseRef } from '../store/job-store.ts';
import { logStoreError } from '../store/store-errors.ts';
import type { SpotChecks } from '../trust/spot-checks.ts';
import type { JobEvent } from './job-events.ts';

export interface LeaseReaperDeps {
  store: JobStore;
  workers: WorkerRegistry;
  log: Logger;
  leaseMs: number;
  /** Absent without GOLD_DIR: no spot checks. */
  spotChecks: SpotChecks | undefined;
  /** Forgets the lease held here and tells its worker to drop the job. */
  revoke: (lease: LeaseRef) => void;
  /** What follows an applied transition (job-lifecycle.ts). */
  applied: (event: JobEvent) => void;
  dispatch: () => void;
  /** Walks again the backtracking blacklistings still owe (volunteer-trust.ts); never throws. */
  retryBacktracks: () => Promise<void>;
}

export class LeaseReaper {
  private timer: NodeJS.Timeout | null = null;
  /** A sweep runs: a tick meanwhile is skipped, or a slow store would have sweeps pile up, each walking the same leases. */
  private sweeping = false;

  constructor(private readonly deps: LeaseReaperDeps) {}

  start(): void {
    const every = Math.max(50, Math.min(1000, Math.floor(this.deps.leaseMs / 4)));
    this.timer = setInterval(() => void this.sweep(), every);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.expireOverdue();
      this.revokeOverdueHolds();
      await this.deps.retryBacktracks();
    } finally {
      this.sweeping = false;
    }
  }

  /** Leases past their deadline go back to the queue (or fail, out of attempts). */
  private async expireOverdue(): Promise<void> {
    const { store, workers, log, leaseMs, revoke, applied } = this.deps;
    try {
      for (const lease of await store.expiredLeases(Date.now(), leaseMs)) {
        // Another master's lease still there past the grace: that master stopped reaping (it died while none
        // watched, as a lone master restarted after a long downtime; or it stalls), not its worker.
        const [outcome, reason] = lease.abandoned
          ? (['recovered', 'the master that leased it stopped answering'] as const)
          : (['expired', 'lease expired before the worker answered'] as const);
        const transition = await store.release(lease, outcome, reason, Date.now());
        if (!transition.applied) continue;
        if (outcome === 'expired') workers.holder(lease)?.recordExpired();
        revoke(lease);
        log.warn({ jobId: lease.jobId, status: transition.job.status }, outcome === 'expired' ? 'lease expired' : `lease recovered: ${reason}`);
        applied({ type: 'job', transition: outcome, job: transition.job });
      }
    } catch (error) {
      logStoreError(log, error, 'lease reaper failed');
    }
  }

  /** Spot checks held past LEASE_MS, and jobs held here twice as long, are taken back from the sessions holding them. */
  private revokeOverdueHolds(): void {
    const { workers, leaseMs, spotChecks, revoke, dispatch } = this.deps;
    const now = Date.now();
    let revoked = false;
    for (const session of workers.all) {
      for (const lease of session.overdue(now, leaseMs)) {
        spotChecks?.forget(lease);
        session.recordExpired();
        revoke(lease);
        revoked = true;
      }
    }
    if (revoked) dispatch();
  }
}
