// Matches queued jobs with workers that have free credit, the moment either
// appears (push, not poll). The leasing itself is master/lifecycle/job-dealing.ts's,
// and everything that follows it the lifecycle's (master/lifecycle/job-lifecycle.ts).
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { WorkerSession } from '../hub/worker-session.ts';
import type { WorkerClass } from '../protocol.ts';
import { networkOf } from '../store/attempt-rules.ts';

const MAX_LEASES_PER_WORKER_PER_BATCH = 8;
/**
 * The most workers of each class a batch deals, those that have waited longest (more only where the trust caps let more
 * volunteers pass over one job): a master with thousands of idle workers asked the store for a job for each of them to
 * place one. Per class, since only a trusted worker may take a private job.
 */
const WORKERS_PER_CLASS_PER_BATCH = 64;

/** What keeps a batch from being filled with volunteers that all passed over the jobs left. */
export interface BatchRules {
  /**
   * The most volunteer identities in a batch that can have passed over one job still open to them (answered it, or
   * were refused on it, (a volunteer) failed or dropped it, or called it unprocessable, each under its cap; or, on the
   * network of identities that answered it, were not dealt it). A batch deals more workers of a class than that.
   */
  passersPerJob: number;
  /**
   * Volunteers of one network (an IPv4 address, an IPv6 /64) a batch deals at most: as many as may vote on one job
   * (MAX_VOTERS_PER_NETWORK). The others of a network pass over every job its voters answered, so identities minted on
   * one address could otherwise fill the batch.
   */
  volunteersPerNetwork: number;
}

/** Leases one queued job to each worker in order while any is left for it; answers the deals served (a job or a spot check each). */
export type LeaseJobs = (workers: WorkerSession[]) => Promise<WorkerSession[]>;

export class Dispatcher {
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  /** When each worker was last dealt a job (a count of deals): the longest-waiting go first, so a short queue is shared. */
  private readonly lastDealt = new WeakMap<WorkerSession, number>();
  private deals = 0;
  /** Workers the last batch dealt more than the queue served them, since the last pump: it held nothing more for them. */
  private passedOver = new WeakSet<WorkerSession>();
  /** The batch each worker was last dealt in, served or not (a count of batches): a network's volunteers take turns. */
  private readonly lastBatch = new WeakMap<WorkerSession, number>();
  private batches = 0;
  /**
   * How many deals each worker gets in a batch: what it was served last time, doubled when it was served all it was
   * dealt, up to the cap. At a trickle a batch asks the store for about one job a worker, not the cap for each (a lease
   * of 32 deals to place one job); under load it is back at the cap within a few batches.
   */
  private readonly batchSize = new WeakMap<WorkerSession, number>();

  private readonly maxWorkersPerClass: number;
  private readonly minWorkersPerClass: number;
  /**
   * How many workers of each class the next batch deals: twice those the last batch served, within the bounds. At a
   * trickle every master deals the fewest for each job (one is served), not 64 each; under load it is back at the most
   * within two batches.
   */
  private readonly workersPerClass: Record<WorkerClass, number>;

  /**
   * A batch deals more workers of a class than `rules.passersPerJob`, one session a volunteer identity and at most
   * `rules.volunteersPerNetwork` of one network, so every job open to a volunteer has one in the batch that may take it.
   */
  constructor(
    private readonly workers: WorkerRegistry,
    private readonly leaseJobs: LeaseJobs,
    private readonly onError: (error: unknown) => void,
    private readonly rules: BatchRules = { passersPerJob: 0, volunteersPerNetwork: Infinity },
  ) {
    this.minWorkersPerClass = rules.passersPerJob + 1;
    this.maxWorkersPerClass = Math.max(WORKERS_PER_CLASS_PER_BATCH, this.minWorkersPerClass);
    this.workersPerClass = { trusted: this.maxWorkersPerClass, volunteer: this.maxWorkersPerClass };
  }

  /** Offers queued jobs to workers with free credit until one side runs out; the queue or the workers changed. */
  pump(): void {
    this.passedOver = new WeakSet();
    this.run();
  }

  /**
   * One worker's free credit rose: offers it jobs, unless the queue held none for it when it was last dealt and has not
   * changed since (no pump). A worker flipping its credit would otherwise cost a lease call a message.
   */
  offer(session: WorkerSession): void {
    if (!this.passedOver.has(session)) this.run();
  }

  private run(): void {
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
          this.run();
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
   * long one costs one store write per batch, not per job. Each round starts
   * with the workers that have waited longest since their last job: with more
   * workers than jobs, every worker gets its turn, not the first to connect.
   * A batch deals at most workersPerClass of each class; one served in full
   * deals again, to the next longest-waiting.
   */
  private async fill(): Promise<void> {
    for (;;) {
      const ready = this.workers.all.filter((session) => session.freeCredit > 0);
      if (ready.length === 0) return;
      ready.sort((a, b) => (this.lastDealt.get(a) ?? 0) - (this.lastDealt.get(b) ?? 0));
      const batch = this.longestWaiting(ready);
      this.batches += 1;
      for (const session of batch) this.lastBatch.set(session, this.batches);
      const dealt: WorkerSession[] = [];
      for (let turn = 0; turn < MAX_LEASES_PER_WORKER_PER_BATCH; turn++) {
        for (const session of batch) if (session.freeCredit > turn && this.sizeOf(session) > turn) dealt.push(session);
      }
      const served = await this.leaseJobs(dealt);
      // Not simply the first deals: the store passes over a worker whose identity voted on every job left, and a
      // volunteer drawn for a spot check gets that instead.
      for (const session of served) this.lastDealt.set(session, ++this.deals);
      this.noteServed(batch, dealt, served);
      this.resizeBatch(batch, served);
      // A deal left unserved means the queue holds nothing more for that worker now (none left, or only jobs its
      // identity voted on), so asking again would cost a store round trip for nothing, and delay the next job's
      // dispatch behind it. Only a batch served in full may leave more to deal (the per-batch cap). A worker that got
      // its deals beside one that did not is dealt again when a job or its credit next changes.
      if (served.length < dealt.length) return;
    }
  }

  /** The first workers of `ready` (longest-waiting first), up to workersPerClass of each class; volunteers as dealable() picks them. */
  private longestWaiting(ready: WorkerSession[]): WorkerSession[] {
    const taken = { trusted: 0, volunteer: 0 };
    const volunteers = this.dealable(ready.filter((session) => session.workerClass === 'volunteer'));
    return ready.filter((session) => {
      if (taken[session.workerClass] >= this.workersPerClass[session.workerClass]) return false;
      if (session.workerClass === 'volunteer' && !volunteers.has(session)) return false;
      taken[session.workerClass] += 1;
      return true;
    });
  }

  /**
   * The volunteers a batch may deal, so that those passing over the jobs left cannot fill it: one session of each
   * identity (its tabs pass over the same jobs), and volunteersPerNetwork of each network (its identities pass over the
   * jobs its voters answered). A network's volunteers take its places in turn, those dealt longest ago first, whether
   * they were served or passed over: else one that refused a job would hold its network's place in every batch, and
   * the others, which may take that job, would never be dealt it.
   */
  private dealable(volunteers: WorkerSession[]): Set<WorkerSession> {
    const firstTabs = new Map<string, WorkerSession>();
    for (const session of volunteers) if (!firstTabs.has(session.identity.workerId)) firstTabs.set(session.identity.workerId, session);
    const sessions = [...firstTabs.values()];
    const byTurn = sessions.toSorted((a, b) => (this.lastBatch.get(a) ?? 0) - (this.lastBatch.get(b) ?? 0));
    const perNetwork = new Map<string, number>();
    return new Set(
      byTurn.filter((session) => {
        const network = networkOf(session.ref.network, session.identity.workerId);
        const taken = perNetwork.get(network) ?? 0;
        perNetwork.set(network, taken + 1);
        return taken < this.rules.volunteersPerNetwork;
      }),
    );
  }

  /** The next batch's workers of each class the batch dealt: twice the workers it served, within the bounds. */
  private resizeBatch(batch: WorkerSession[], served: WorkerSession[]): void {
    for (const workerClass of new Set(batch.map((session) => session.workerClass))) {
      const servedOfClass = new Set(served.filter((session) => session.workerClass === workerClass)).size;
      this.workersPerClass[workerClass] = Math.min(Math.max(2 * servedOfClass, this.minWorkersPerClass), this.maxWorkersPerClass);
    }
  }

  private sizeOf(session: WorkerSession): number {
    return this.batchSize.get(session) ?? MAX_LEASES_PER_WORKER_PER_BATCH;
  }

  /** What a batch's answer says of each worker dealt: the size of its next deal, and whether the queue passed it over. */
  private noteServed(batch: WorkerSession[], dealt: WorkerSession[], served: WorkerSession[]): void {
    const count = (sessions: WorkerSession[]) => sessions.reduce((counts, s) => counts.set(s, (counts.get(s) ?? 0) + 1), new Map<WorkerSession, number>());
    const dealtTo = count(dealt);
    const servedTo = count(served);
    for (const session of batch) {
      const gave = dealtTo.get(session) ?? 0;
      const got = servedTo.get(session) ?? 0;
      this.batchSize.set(session, got === gave ? Math.min(2 * gave, MAX_LEASES_PER_WORKER_PER_BATCH) : Math.max(got, 1));
      if (got < gave) this.passedOver.add(session);
      else this.passedOver.delete(session);
    }
  }
}
