// Matches queued jobs with workers that have free credit, the moment either
// appears (push, not poll). The leasing itself, and everything that follows
// it, is the lifecycle's (master/lifecycle/job-lifecycle.ts).
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { WorkerSession } from '../hub/worker-session.ts';

const MAX_LEASES_PER_WORKER_PER_BATCH = 8;

/** Leases one queued job to each worker in order while any is left for it; answers how many were leased. */
export type LeaseJobs = (workers: WorkerSession[]) => Promise<number>;

export class Dispatcher {
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;

  constructor(
    private readonly workers: WorkerRegistry,
    private readonly leaseJobs: LeaseJobs,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Offers queued jobs to workers with free credit until one side runs out. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.fill()
      .catch(this.onError)
      .finally(() => {
        this.pumping = null;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  /** Resolves once no dispatch is in progress (for clean shutdown). */
  async idle(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /**
   * Leases in batches dealt round-robin (A, B, C, A, B, C, …) up to each
   * worker's free credit, so a short queue is spread across workers while a
   * long one costs one store write per batch, not per job.
   */
  private async fill(): Promise<void> {
    for (;;) {
      const ready = this.workers.all.filter((session) => session.freeCredit > 0);
      if (ready.length === 0) return;
      ready.sort((a, b) => b.freeCredit - a.freeCredit);
      const dealt: WorkerSession[] = [];
      for (let turn = 0; turn < MAX_LEASES_PER_WORKER_PER_BATCH; turn++) {
        for (const session of ready) if (session.freeCredit > turn) dealt.push(session);
      }
      // Some workers may get none while others do (jobs their identity voted against): go on while any lease is made.
      if ((await this.leaseJobs(dealt)) === 0) return;
    }
  }
}
