// Dealing work to the workers the dispatcher picked (master/dispatch/dispatcher.ts): one queued job leased to each, or,
// in a volunteer's slot drawn for one, a spot check (spot-check-dealing.ts); every frame pushed in the order of the
// slots dealt, and every image sent counted. Each lease goes through the lifecycle's `applied` (job-lifecycle.ts), so
// it is counted and published as any other transition, and one whose worker left meanwhile is handed back (lost). A
// job whose image is gone fails (failed), and the dispatch that follows deals its worker the next job. Jobs a
// volunteer's lease (or the store's openTo) made trusted-only as it passed over them, holding MAX_ANSWERS_PER_JOB
// answers, are announced as they are marked (answers-capped), before the leases.
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Logger } from '../log.ts';
import type { CappedJobs, JobStore, Lease, LeaseRef, LeaseWithoutImage } from '../store/job-store.ts';
import type { SpotChecks } from '../trust/spot-checks.ts';
import type { Verifier } from '../trust/verification.ts';
import type { JobEvent } from './job-events.ts';
import { SpotCheckDealing } from './spot-check-dealing.ts';

/** Why a job whose image is gone failed: no worker can ever be given it. */
export const IMAGE_MISSING =
  'image-missing: the stored image is gone (removed from the data directory or from Redis, or lost to a damaged disk); submit it again';

export interface JobDealingDeps {
  store: JobStore;
  log: Logger;
  leaseMs: number;
  verifier: Verifier;
  /** Absent without GOLD_DIR: no spot checks. */
  spotChecks: SpotChecks | undefined;
  /** What follows an applied transition (job-lifecycle.ts). */
  applied: (event: JobEvent) => void;
  /** Hands a leased job straight back to the queue (lost). */
  lose: (lease: LeaseRef, reason: string) => Promise<void>;
}

export class JobDealing {
  /** Images pushed to workers (jobs and spot checks) and their bytes: what work costs the network. */
  readonly sent = { images: 0, bytes: 0 };
  private readonly spotCheckDealing: SpotCheckDealing | undefined;

  constructor(private readonly deps: JobDealingDeps) {
    const { spotChecks, verifier, log } = deps;
    this.spotCheckDealing =
      spotChecks &&
      new SpotCheckDealing({
        checks: spotChecks,
        verifier,
        push: (session, check) => this.push(session, check),
        log,
      });
  }

  /**
   * Leases one queued job to each worker in order while the queue lasts, and pushes it; answers the workers served (a job or a spot check each).
   * A volunteer's slot may get a spot check instead, only while a real job is open to it (spot-check-dealing.ts): one
   * dealt when no job could be would be known for a check by when it came. The checks are made before anything is
   * pushed, and every frame goes out in the order of the slots dealt, so a check's place in a burst says nothing of it.
   */
  async lease(dealt: WorkerSession[]): Promise<WorkerSession[]> {
    const { store, leaseMs, applied, lose } = this.deps;
    const drawn = await this.spotCheckSlots(dealt);
    const checkCount = drawn.filter(Boolean).length;
    // Made before the leases: nothing may wait between a lease and its push, or a job deleted meanwhile (no holder to
    // revoke yet) would still be pushed.
    const checks = checkCount > 0 ? await this.spotCheckDealing!.make(checkCount) : [];
    const sessions = dealt.filter((_, i) => !drawn[i]);
    const leases = await store
      .lease(
        sessions.map((session) => session.ref),
        leaseMs,
        Date.now(),
        this.capped,
      )
      .catch((error: unknown) => {
        for (const check of checks) if (check) this.spotCheckDealing!.withdraw(check);
        throw error;
      });
    const served: WorkerSession[] = [];
    const lost: { session: WorkerSession; lease: Lease }[] = [];
    const imageless: LeaseWithoutImage[] = [];
    let nextLease = 0;
    let nextCheck = 0;
    for (const [slot, session] of dealt.entries()) {
      if (drawn[slot]) {
        const check = checks[nextCheck++];
        if (check && this.spotCheckDealing!.give(session, check)) served.push(session);
        continue;
      }
      const lease = leases[nextLease++];
      if (!lease) continue;
      if (lease.image === null) {
        imageless.push(lease);
        continue;
      }
      served.push(session);
      if (session.isOpen) this.push(session, lease);
      applied({ type: 'job', transition: 'leased', job: lease.job });
      if (!session.isOpen) lost.push({ session, lease });
    }
    // The worker left while the lease was being written: hand the job straight back.
    for (const { session, lease } of lost) await lose(lease, `worker ${session.hello.name} disconnected`);
    for (const lease of imageless) await this.failImageMissing(lease);
    return served;
  }

  /**
   * A job leased whose image is gone fails now, saying why, not after its leases expire MAX_ATTEMPTS times for a reason
   * that is not the one. Its worker was sent nothing: the dispatch that follows the failure deals it the next job.
   */
  private async failImageMissing(lease: LeaseWithoutImage): Promise<void> {
    this.deps.log.warn({ jobId: lease.jobId }, 'the stored image of a leased job is gone: the job fails');
    const transition = await this.deps.store.failForGood(lease, IMAGE_MISSING, Date.now());
    if (transition.applied) this.deps.applied({ type: 'job', transition: 'failed', job: transition.job });
  }

  /** Which slots get a spot check: drawn ones, of volunteers some job is open to (asked before any is leased). */
  private async spotCheckSlots(dealt: WorkerSession[]): Promise<boolean[]> {
    const drawn = dealt.map((session) => this.spotCheckDealing?.drawn(session) === true);
    if (!drawn.includes(true)) return drawn;
    const open = await this.deps.store.openTo(
      dealt.filter((_, i) => drawn[i]).map((session) => session.ref),
      this.capped,
    );
    let next = 0;
    return drawn.map((isDrawn) => isDrawn && open[next++]!);
  }

  /** Announces the jobs the store made trusted-only as a volunteer's lease passed over them (CappedJobs). */
  private readonly capped: CappedJobs = (jobs) => {
    for (const job of jobs) this.deps.applied({ type: 'job', transition: 'answers-capped', job });
  };

  /** Hands a job, or a spot check, to the worker, and counts what it sends. */
  private push(session: WorkerSession, lease: Parameters<WorkerSession['give']>[0]): void {
    session.give(lease);
    this.sent.images += 1;
    this.sent.bytes += lease.image.byteLength;
  }
}
