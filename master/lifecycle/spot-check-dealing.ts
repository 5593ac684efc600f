// Handing spot checks to volunteers, beside the jobs job-dealing.ts deals: a share of the slots dealt to volunteers
// some real job is open to (GOLD_FRACTION, trust/spot-checks.ts), and never one to any other: a frame that reaches a
// volunteer with no job it may take can only be a check, and a check known for one proves
// nothing (a liar answers it honestly). Judging the answers is volunteer-trust.ts's.
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Logger } from '../log.ts';
import type { SpotCheckLease, SpotChecks } from '../trust/spot-checks.ts';
import type { Verifier } from '../trust/verification.ts';

export interface SpotCheckDealingDeps {
  checks: SpotChecks;
  verifier: Verifier;
  /** Sends a spot check to the worker, counted as any image sent. */
  push: (session: WorkerSession, check: SpotCheckLease) => void;
  log: Logger;
}

export class SpotCheckDealing {
  constructor(private readonly deps: SpotCheckDealingDeps) {}

  /** Whether this slot dealt to the worker is a spot check instead of a job. */
  drawn(session: WorkerSession): boolean {
    return session.workerClass === 'volunteer' && this.deps.checks.draw(this.deps.verifier.settlesAlone(session.trust.credibility));
  }

  /**
   * `count` spot checks, made before any frame of the deal is pushed (ready ones from the gold pool, else encoded now),
   * so that each goes out in the slot it was drawn for, among the jobs: not after them, where its place in a burst would
   * give it away. Null where one could not be made.
   */
  async make(count: number): Promise<(SpotCheckLease | null)[]> {
    const made: (SpotCheckLease | null)[] = [];
    for (let i = 0; i < count; i++) {
      try {
        made.push(await this.deps.checks.make());
      } catch (error) {
        this.deps.log.error({ err: error }, 'could not make a spot check');
        made.push(null);
      }
    }
    return made;
  }

  /** Sends a check made for this volunteer's slot; one it has no credit left for is withdrawn, never counted as given. Answers whether it was sent. */
  give(session: WorkerSession, check: SpotCheckLease): boolean {
    if (session.freeCredit === 0) {
      this.withdraw(check);
      return false;
    }
    this.deps.push(session, check);
    return true;
  }

  /** A check made for a deal that never went out (no credit left for it, or the deal failed): not counted as given. */
  withdraw(check: SpotCheckLease): void {
    this.deps.checks.withdraw(check);
  }
}
