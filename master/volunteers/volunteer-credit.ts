// Turns what volunteers do into credit. A volunteer's answer earns it once a job ends on it, verified or confirmed by
// the operator's fleet: each agreeing volunteer's answer adds one image and its inference time (at most a lease,
// the longest an accepted answer can have taken) to the identity the master issued it (proved by its signed token, so
// nobody can claim another's credit by naming it). An answer still waiting as a vote, outvoted, or in a job that ended
// unverified earns nothing, so a liar's answers never do, nor any answer of an identity blacklisted since; the fleet
// earns none. Only this master's events count, so masters sharing a store credit each job once, and the ledger credits a
// volunteer once per job however often the job ends (verified again after a blacklisting). The ledger is
// bookkeeping beside the jobs: if it cannot be written (Redis away), the job is still done and the miss is logged.
import type { JobView } from '../api-types.ts';
import type { LiveEvents } from '../events/live-events.ts';
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Logger } from '../log.ts';
import { DisplayNameWrites } from './display-name-writes.ts';
import type { VolunteerLedger } from './volunteer-ledger.ts';

export class VolunteerCredit {
  private readonly unsubscribe: () => void;
  private readonly names: DisplayNameWrites;

  constructor(
    private readonly ledger: VolunteerLedger,
    private readonly log: Logger,
    events: LiveEvents,
    private readonly leaseMs: number,
    /** DISPLAY_NAME_WRITE_INTERVAL_MS */
    nameWriteIntervalMs: number,
  ) {
    this.names = new DisplayNameWrites(ledger, log, nameWriteIntervalMs);
    this.unsubscribe = events.subscribeLocal((event) => {
      if (event.type === 'job' && event.transition === 'completed') this.settled(event.job);
    });
  }

  /** Keeps the name a volunteer's session chose for the leaderboard (the fleet earns no credit, so shows none). */
  rename(session: WorkerSession): void {
    if (session.workerClass === 'volunteer') this.names.rename(session);
  }

  stop(): void {
    this.unsubscribe();
    this.names.stop();
  }

  private settled(job: JobView): void {
    const verification = job.result?.verification;
    if (!verification || verification.state === 'unverified') return;
    for (const replica of verification.replicas) {
      if (replica.workerClass !== 'volunteer' || !replica.agreed || replica.blacklisted) continue;
      const contribution = {
        jobId: job.id,
        volunteerId: replica.workerId,
        browser: replica.browser ?? 'other',
        backend: replica.backend ?? 'other',
        computeMs: Math.min(replica.inferenceMs ?? 0, this.leaseMs),
      };
      this.ledger.record(contribution).catch((error: unknown) => this.log.warn({ err: error, jobId: job.id }, 'could not credit a volunteer'));
    }
  }
}
