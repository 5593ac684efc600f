// Matches queued jobs with workers that have free credit, the moment either
// appears (push, not poll), and applies what workers answer through the store's
// fenced transitions. Leases whose deadline passes are reaped here too.
import type { LiveEvents } from '../events/live-events.ts';
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Logger } from '../log.ts';
import type { FailureMessage, ResultMessage } from '../protocol.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import type { CreateResult, JobStore, LeaseRef, NewJob, RejectReason, Transition } from '../store/job-store.ts';

const MAX_LEASES_PER_WORKER_PER_BATCH = 8;

export interface DispatchCounters {
  dispatched: number;
  completed: number;
  failedAttempts: number;
  /** Leases ended because the worker went away or overran the deadline. */
  reassigned: { lost: number; expired: number };
  /** Answers refused by fencing, by reason: never written. */
  rejected: Record<RejectReason, number>;
}

export class Dispatcher {
  readonly counters: DispatchCounters = {
    dispatched: 0,
    completed: 0,
    failedAttempts: 0,
    reassigned: { lost: 0, expired: 0 },
    rejected: { 'unknown-job': 0, 'stale-lease': 0, 'not-your-lease': 0 },
  };
  private readonly sessions = new Set<WorkerSession>();
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private reaper: NodeJS.Timeout | null = null;
  private workersTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly events: LiveEvents,
    private readonly log: Logger,
    private readonly leaseMs: number,
  ) {}

  /** Starts the lease reaper; a lease is noticed expired within a quarter of its length. */
  start(): void {
    const every = Math.max(50, Math.min(1000, Math.floor(this.leaseMs / 4)));
    this.reaper = setInterval(() => void this.reapExpired(), every);
  }

  stop(): void {
    if (this.reaper) clearInterval(this.reaper);
    if (this.workersTimer) clearTimeout(this.workersTimer);
    this.reaper = null;
    this.workersTimer = null;
  }

  get workers(): WorkerSession[] {
    return [...this.sessions];
  }

  addWorker(session: WorkerSession): void {
    this.sessions.add(session);
    this.workersChanged();
    this.pump();
  }

  /** The worker's socket closed: everything it held goes back to the queue at once. */
  async removeWorker(session: WorkerSession, why: string): Promise<void> {
    this.sessions.delete(session);
    for (const lease of session.leases) {
      session.drop(lease);
      await this.releaseLost(lease, `worker ${session.hello.name} ${why}`);
    }
    this.workersChanged();
    this.pump();
  }

  /** Stores new jobs durably, tells the boards, and offers them to workers. */
  async submit(jobs: NewJob[], idempotencyKey?: string): Promise<CreateResult> {
    const created = await this.store.create(jobs, Date.now(), idempotencyKey);
    if (!created.replayed) {
      for (const job of created.jobs) this.events.publish({ type: 'job', job });
      this.pump();
    }
    return created;
  }

  creditChanged(): void {
    this.workersChanged();
    this.pump();
  }

  async onResult(session: WorkerSession, message: ResultMessage): Promise<void> {
    const lease = { jobId: message.jobId, leaseId: message.leaseId };
    const result = { predictions: message.predictions, model: message.model, backend: message.backend, inferenceMs: message.inferenceMs };
    // The store fences: only the job's current lease, held by this worker, is written.
    // The lease is dropped even if the store call fails: unapplied, it expires and is redone.
    const transition = await this.store.complete(lease, session.id, result, Date.now()).finally(() => session.drop(lease));
    if (transition.applied) {
      this.counters.completed += 1;
      session.recordDone(message.inferenceMs);
    } else {
      this.reject(session, lease, 'result', transition.reason);
    }
    this.publish(transition);
    this.workersChanged();
    this.pump();
  }

  async onFailure(session: WorkerSession, message: FailureMessage): Promise<void> {
    const lease = { jobId: message.jobId, leaseId: message.leaseId };
    const transition = await this.store
      .fail(lease, session.id, message.reason, message.retryable, Date.now())
      .finally(() => session.drop(lease));
    if (transition.applied) {
      this.counters.failedAttempts += 1;
      session.jobsFailed += 1;
      this.log.info({ jobId: lease.jobId, worker: session.hello.name, reason: message.reason, status: transition.job.status }, 'attempt failed');
    } else {
      this.reject(session, lease, 'failure', transition.reason);
    }
    this.publish(transition);
    this.workersChanged();
    this.pump();
  }

  /** A job was deleted: the worker holding it is told to drop it. */
  cancel(lease: LeaseRef): void {
    for (const session of this.sessions) {
      if (session.drop(lease)) session.send({ type: 'cancel', ...lease });
    }
    this.pump();
  }

  /** A job was deleted on another master: drop whatever lease of it a worker here holds. */
  cancelJob(jobId: string): void {
    for (const session of this.sessions) {
      const lease = session.leases.find((held) => held.jobId === jobId);
      if (lease) this.cancel(lease);
    }
  }

  /** Offers queued jobs to workers with free credit until one side runs out. */
  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.fill()
      .catch((error: unknown) => this.logStoreError(error, 'dispatch failed'))
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
      const ready = [...this.sessions].filter((session) => session.freeCredit > 0);
      if (ready.length === 0) return;
      ready.sort((a, b) => b.freeCredit - a.freeCredit);
      const dealt: WorkerSession[] = [];
      for (let turn = 0; turn < MAX_LEASES_PER_WORKER_PER_BATCH; turn++) {
        for (const session of ready) if (session.freeCredit > turn) dealt.push(session);
      }
      const leases = await this.store.lease(
        dealt.map((session) => session.ref),
        this.leaseMs,
        Date.now(),
      );
      for (const [i, lease] of leases.entries()) {
        if (!lease) return;
        const session = dealt[i]!;
        if (!session.isOpen) {
          // The worker left while the lease was being written: hand the job straight back.
          await this.releaseLost(lease, `worker ${session.hello.name} disconnected`);
          continue;
        }
        session.give(lease);
        this.counters.dispatched += 1;
        this.events.publish({ type: 'job', job: lease.job });
      }
    }
  }

  private async releaseLost(lease: LeaseRef, reason: string): Promise<void> {
    const transition = await this.store.release(lease, 'lost', reason, Date.now());
    if (transition.applied) this.counters.reassigned.lost += 1;
    this.publish(transition);
  }

  private async reapExpired(): Promise<void> {
    try {
      const expired = await this.store.expiredLeases(Date.now());
      for (const lease of expired) {
        const transition = await this.store.release(lease, 'expired', 'lease expired before the worker answered', Date.now());
        if (!transition.applied) continue;
        this.counters.reassigned.expired += 1;
        // Tell the overrunning worker to drop it; a late answer would be fenced off anyway.
        for (const session of this.sessions) {
          if (!session.drop(lease)) continue;
          session.recordExpired();
          session.send({ type: 'cancel', ...lease });
        }
        this.log.warn({ jobId: lease.jobId, status: transition.job.status }, 'lease expired');
        this.publish(transition);
      }
      if (expired.length) this.pump();
    } catch (error) {
      this.logStoreError(error, 'lease reaper failed');
    }
  }

  /** An unreachable store is expected now and then (Redis restarts): say so quietly; anything else is a bug. */
  private logStoreError(error: unknown, what: string): void {
    if (error instanceof StoreUnavailableError) this.log.debug({ err: error }, what);
    else this.log.error({ err: error }, what);
  }

  private reject(session: WorkerSession, lease: LeaseRef, what: string, reason: RejectReason): void {
    this.counters.rejected[reason] += 1;
    this.log.warn({ ...lease, worker: session.hello.name, reason }, `${what} rejected`);
  }

  private publish(transition: Transition): void {
    if (transition.applied) this.events.publish({ type: 'job', job: transition.job });
  }

  /** Worker lists are published at most every 250 ms: results can arrive thousands of times a second. */
  private workersChanged(): void {
    if (this.workersTimer) return;
    this.workersTimer = setTimeout(() => {
      this.workersTimer = null;
      this.events.publish({ type: 'workers', workers: this.workers.map((s) => s.view()) });
    }, 250);
  }
}
