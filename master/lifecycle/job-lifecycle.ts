// A job's life on this master, in one place. This class and its helpers in this
// folder are the only callers of the store's transitions, and this is the only
// publisher of job events: each applied transition goes through `applied`, which
// publishes one event named after it (job-events.ts), counts it, and wakes the
// dispatcher. The rules a transition applies atomically (fencing, attempt
// limits, admission) are the store's (master/store/job-store.ts); what follows
// each one, here; what follows for the volunteers behind an answer (spot checks
// judged, votes decided again, blacklisting), in volunteer-trust.ts; leases held
// too long, in lease-reaper.ts; jobs and spot checks dealt to the workers the
// dispatcher picks, in job-dealing.ts; workers' answers fenced and settled, in
// worker-answers.ts.
//
//   submitted ─▶ queued ─leased─▶ leased ─completed─▶ done
//                  ▲                │ ─answered─▶ queued again for another identity (a volunteer's vote, master/trust/)
//                  ▲                │ ─failed / expired / lost / recovered / refused─▶ queued again, or failed
//                  └────retried──── failed            cancelled, cleared: deleted
//                  └────reopened─── done (it leaned on a volunteer since blacklisted: verified again;
//                                         unverified instead when its image has expired: it stays done, saying so)
//   queued, holding MAX_ANSWERS_PER_JOB answers ─answers-capped─▶ queued, trusted-only (a volunteer's lease passed over it)
//   queued, holding votes ─completed─▶ done (a voter passed a spot check and the votes became credible: waiting-votes.ts)
//   done / failed ─image-expired─▶ the same, its image deleted ─purged─▶ deleted (retention, lifecycle/retention.ts)
import { Dispatcher, type BatchRules } from '../dispatch/dispatcher.ts';
import type { BlacklistNotice, LiveEvents } from '../events/live-events.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Logger } from '../log.ts';
import type { FailureMessage, ResultMessage } from '../protocol.ts';
import type { Cleared, CreateResult, JobStore, LeaseRef, NewJob, RejectReason, Retried } from '../store/job-store.ts';
import { logStoreError, StoreUnavailableError } from '../store/store-errors.ts';
import type { SpotCheckCounts, SpotChecks } from '../trust/spot-checks.ts';
import type { Verifier } from '../trust/verification.ts';
import { JobDealing } from './job-dealing.ts';
import { noTransitions, type JobEvent, type JobTransition, type TransitionCounts } from './job-events.ts';
import { followedEvenLate } from './late-replies.ts';
import { LeaseReaper } from './lease-reaper.ts';
import { LeasesEndedElsewhere } from './leases-ended-elsewhere.ts';
import { VolunteerTrust, type BlacklistCause } from './volunteer-trust.ts';
import { WorkerAnswers } from './worker-answers.ts';

/**
 * Transitions that neither queue a job nor free a worker: no dispatch follows them (answers-capped comes from a lease,
 * and takes a job from volunteers only: a trusted worker could take it before).
 */
const QUEUE_UNCHANGED = new Set<JobTransition>(['leased', 'unverified', 'image-expired', 'purged', 'answers-capped']);

export interface LifecycleCounters {
  /** Transitions applied on this master, by name. */
  transitions: TransitionCounts;
  /** Worker answers refused by fencing, by reason: never written. */
  rejected: Record<RejectReason, number>;
  /** Spot checks handed to volunteers, and how their answers fared (never jobs, so in no transition). */
  spotChecks: SpotCheckCounts;
  /** Volunteer identities this master blacklisted, by what caught them (one already blacklisted elsewhere is not counted again). */
  blacklisted: Record<BlacklistCause, number>;
  /** Images pushed to workers (jobs and spot checks) and their bytes: what work costs the network. */
  sent: { images: number; bytes: number };
}

export interface JobLifecycleDeps {
  store: JobStore;
  events: LiveEvents;
  workers: WorkerRegistry;
  log: Logger;
  leaseMs: number;
  verifier: Verifier;
  /** Absent without GOLD_DIR: no spot checks. */
  spotChecks?: SpotChecks;
  /** MAX_WAITING_VOTES: the jobs a session voted on that are decided again when it passes a spot check. */
  maxWaitingVotes: number;
  /** What keeps a dispatch batch from being filled with volunteers that all passed over the jobs left (dispatcher.ts). */
  batchRules?: BatchRules;
}

/** How often the safety net looks at the queue (dispatchIfQueued). */
const SAFETY_NET_MS = 1_000;

export class JobLifecycle {
  readonly counters: LifecycleCounters;
  private readonly store: JobStore;
  private readonly events: LiveEvents;
  private readonly workers: WorkerRegistry;
  private readonly log: Logger;
  private readonly spotChecks: SpotChecks | undefined;
  private readonly dealing: JobDealing;
  private readonly trust: VolunteerTrust;
  private readonly answers: WorkerAnswers;
  private readonly dispatcher: Dispatcher;
  private readonly endedElsewhere: LeasesEndedElsewhere;
  private readonly reaper: LeaseReaper;
  private safetyNet: NodeJS.Timeout | undefined;

  constructor({ store, events, workers, log, leaseMs, verifier, spotChecks, maxWaitingVotes, batchRules }: JobLifecycleDeps) {
    this.store = store;
    this.events = events;
    this.workers = workers;
    this.log = log;
    this.spotChecks = spotChecks;
    this.dealing = new JobDealing({
      store,
      log,
      leaseMs,
      verifier,
      spotChecks,
      applied: (event) => this.applied(event),
      lose: (lease, reason) => this.lose(lease, reason),
    });
    this.trust = new VolunteerTrust({
      store,
      workers,
      log,
      verifier,
      spotChecks,
      maxWaitingVotes,
      applied: (event) => this.applied(event),
      dispatch: () => this.dispatch(),
      tellOtherMasters: (notice) => events.announceBlacklisting(notice),
    });
    this.answers = new WorkerAnswers({
      store,
      workers,
      log,
      verifier,
      spotChecks,
      trust: this.trust,
      applied: (event) => this.applied(event),
      dispatch: () => this.dispatch(),
    });
    this.counters = {
      transitions: noTransitions(),
      rejected: this.answers.rejected,
      spotChecks: spotChecks?.counts ?? { given: 0, passed: 0, failed: 0 },
      blacklisted: this.trust.blacklisted,
      sent: this.dealing.sent,
    };
    const revoke = (lease: LeaseRef) => this.revoke(lease);
    const dispatch = () => this.dispatch();
    this.endedElsewhere = new LeasesEndedElsewhere({ workers, store, log, revoke, dispatch });
    this.reaper = new LeaseReaper({
      store,
      workers,
      log,
      leaseMs,
      spotChecks,
      revoke,
      applied: (event) => this.applied(event),
      dispatch,
      retryBacktracks: () => this.trust.retryOwedBacktracks(),
    });
    this.dispatcher = new Dispatcher(
      workers,
      (sessions) => this.endedElsewhere.whileLeasing(() => this.dealing.lease(sessions)),
      (error) => logStoreError(this.log, error, 'dispatch failed'),
      batchRules,
    );
  }

  /** Starts the lease reaper (lease-reaper.ts) and the safety net, and offers the queue to workers. */
  start(): void {
    this.reaper.start();
    this.safetyNet = setInterval(() => void this.dispatchIfQueued(), SAFETY_NET_MS);
    this.safetyNet.unref();
    this.dispatch();
  }

  stop(): void {
    this.reaper.stop();
    clearInterval(this.safetyNet);
  }

  /** Offers queued jobs to workers with free credit (also after a Redis outage, or as a safety net). */
  dispatch(): void {
    this.dispatcher.pump();
  }

  /**
   * The safety net, every second: a dispatch that failed (the store out of reach, a SQLite file another program held
   * locked) or a wake-up that never came (a pub/sub message lost while Redis was away) leaves jobs queued beside idle
   * workers until something else happens; this offers the queue again. Only when the store holds queued jobs, so a
   * master with thousands of idle workers does not hand them all to the store each second for nothing.
   */
  async dispatchIfQueued(): Promise<void> {
    try {
      if ((await this.store.counts()).queued > 0) this.dispatch();
    } catch (error) {
      logStoreError(this.log, error, 'could not count the queue');
      // One partition out of reach fails the count, and may hide jobs queued in the others: leasing passes over it.
      if (error instanceof StoreUnavailableError) this.dispatch();
    }
  }

  /**
   * Resolves once no dispatch, nor retried backtracking, is in progress (for clean shutdown, once the hub is closed:
   * what answers led to, judging included, ended with them).
   */
  async idle(): Promise<void> {
    await Promise.all([this.dispatcher.idle(), this.trust.idle()]);
  }

  /** Answers whose judging still runs (worker-answers.ts). */
  get pendingFollowUps(): number {
    return this.answers.pendingFollowUps;
  }

  // ---- workers coming and going --------------------------------------------

  joined(session: WorkerSession): void {
    this.workers.add(session);
    void this.trust.readTrust(session);
    this.dispatch();
  }

  /** The worker changed its credit or started draining. */
  creditChanged(session: WorkerSession): void {
    this.workers.changed(session);
    this.dispatcher.offer(session);
  }

  /**
   * Requeue on close: the worker's socket closed, so everything it held goes back to the queue at once: lost, or
   * recovered when this master hung up on it (`byMaster`: it is shutting down), which is no fault of the worker nor of
   * the job and uses up no lease (attempt-rules.ts). A lease the store cannot release now keeps none of the others
   * back; it expires at its deadline. Rejects with the first such failure, once every lease was tried.
   */
  async left(session: WorkerSession, why: string, byMaster = false): Promise<void> {
    this.workers.remove(session);
    const failures: unknown[] = [];
    for (const lease of session.leases) {
      session.drop(lease);
      if (this.spotChecks?.isSpotCheck(lease)) this.spotChecks.forget(lease);
      else await this.lose(lease, `worker ${session.hello.name} ${why}`, byMaster ? 'recovered' : 'lost').catch((error: unknown) => failures.push(error));
    }
    this.dispatch();
    if (failures.length > 0) throw failures[0];
  }

  /**
   * The admin revoked a worker identity: blacklisted as a caught liar is (volunteer-trust.ts), so its votes stop
   * counting, the jobs that leaned on it are verified again and its sockets close. Answers how many closed here.
   */
  revokeIdentity(workerId: string): Promise<number> {
    return this.trust.revoke(workerId);
  }

  // ---- transitions ---------------------------------------------------------

  /**
   * Durable before acknowledged: the store resolves only once the jobs and their images are committed (fsynced).
   * Admission: it throws QueueFullError, storing none of them, when they would overfill the queue.
   * A replayed Idempotency-Key (the owner's own) changes nothing.
   */
  async submit(jobs: NewJob[], idempotencyKey?: string, owner?: string): Promise<CreateResult> {
    const created = await this.store.create(jobs, Date.now(), idempotencyKey, owner);
    if (!created.replayed) for (const job of created.jobs) this.applied({ type: 'job', transition: 'submitted', job });
    return created;
  }

  // A worker's answers, fenced and settled in worker-answers.ts.
  complete(session: WorkerSession, message: ResultMessage): Promise<void> {
    return this.answers.complete(session, message);
  }
  fail(session: WorkerSession, message: FailureMessage): Promise<void> {
    return this.answers.fail(session, message);
  }
  refuse(session: WorkerSession, message: ResultMessage, problem: string): Promise<void> {
    return this.answers.refuse(session, message, problem);
  }

  /** Jobs leased when the previous master died have no worker any more: queue them again (embedded store only). */
  async recover(): Promise<void> {
    const recovered = await this.requeueOrphaned(await this.store.activeLeases(), 'master restarted while the job was leased');
    if (recovered) this.log.info({ count: recovered }, 'requeued jobs leased before the restart');
  }

  /**
   * Leases whose master died (a restart, or another master gone silent: master-watch.ts) go back to the queue at once,
   * each once however many masters try (fenced); answers how many this call requeued.
   */
  async requeueOrphaned(leases: LeaseRef[], reason: string): Promise<number> {
    let requeued = 0;
    for (const lease of leases) {
      const transition = await this.store.release(lease, 'recovered', reason, Date.now());
      if (!transition.applied) continue;
      requeued += 1;
      this.applied({ type: 'job', transition: 'recovered', job: transition.job });
    }
    return requeued;
  }

  /** A failed job goes back to the queue with a fresh attempt budget, or the store says why not (Retried). */
  async retry(jobId: string): Promise<Retried> {
    const retried = await this.store.retry(jobId, Date.now());
    if ('job' in retried) this.applied({ type: 'job', transition: 'retried', job: retried.job });
    return retried;
  }

  /**
   * Deletes a job; a worker here holding it is told to drop it. Answers whether it existed. A delete Redis ran after
   * the call timed out is announced once the store learns the job is gone (late-replies.ts); its lease id went with
   * the job, so a worker here holding it is found by job id, as for another master's delete.
   */
  async cancel(jobId: string): Promise<boolean> {
    const deleted = { type: 'job-deleted', transition: 'cancelled', id: jobId } as const;
    const deletedLate = () => {
      this.applied(deleted);
      this.endedElsewhere.heard(deleted);
    };
    const { removed, lease } = await followedEvenLate(this.store.remove(jobId), deletedLate, this.log);
    if (!removed) return false;
    if (lease) this.revoke(lease);
    this.applied(deleted);
    return true;
  }

  /**
   * Deletes every job; answers how many. A clear cut short by the store (Redis clears a batch at a time) still tells
   * the workers and boards of the jobs it did delete before it throws.
   */
  async clear(): Promise<number> {
    const cleared: Cleared = { ids: [], leases: [] };
    try {
      await this.store.clear(cleared);
    } finally {
      for (const lease of cleared.leases) this.revoke(lease);
      for (const id of cleared.ids) this.applied({ type: 'job-deleted', transition: 'cleared', id });
    }
    return cleared.ids.length;
  }

  /**
   * Retention (lifecycle/retention.ts says when): deletes the images of at most `batch` jobs that ended by `endedBy`,
   * their results kept. Answers how many.
   */
  async expireImages(endedBy: number, batch: number): Promise<number> {
    const expired = await this.store.expireImages(endedBy, Date.now(), batch);
    for (const job of expired) this.applied({ type: 'job', transition: 'image-expired', job });
    return expired.length;
  }

  /** Retention: removes at most `batch` jobs that ended by `endedBy`. Answers how many. */
  async purge(endedBy: number, batch: number): Promise<number> {
    const ids = await this.store.expireJobs(endedBy, batch);
    for (const id of ids) this.applied({ type: 'job-deleted', transition: 'purged', id });
    return ids.length;
  }

  /**
   * An event another master published (shared store): boards see it, and it may concern the workers here: a lease it
   * ended (expired, recovered, deleted) that a worker here holds is revoked as the reaper here would.
   */
  fromOtherMaster(event: JobEvent): void {
    this.events.deliver(event);
    this.endedElsewhere.heard(event);
    // A job queued there wakes the idle workers here.
    if (event.type === 'job' && event.job.status === 'queued') this.dispatch();
  }

  /** A volunteer identity another master blacklisted: its sockets here close too, which requeues what they held. */
  blacklistedElsewhere(notice: BlacklistNotice): void {
    this.trust.cutOff(notice);
  }

  private async lose(lease: LeaseRef, reason: string, outcome: 'lost' | 'recovered' = 'lost'): Promise<void> {
    const transition = await this.store.release(lease, outcome, reason, Date.now());
    if (transition.applied) this.applied({ type: 'job', transition: outcome, job: transition.job });
  }

  /** What follows every applied transition: count it, tell the boards and other masters, offer the queue to workers. */
  private applied(event: JobEvent): void {
    this.counters.transitions[event.transition] += 1;
    this.events.publish(event);
    // Every other transition queues a job or frees a worker's credit.
    if (!QUEUE_UNCHANGED.has(event.transition)) this.dispatch();
  }

  /** The worker here holding this lease (if any) forgets it and is told to drop the job. */
  private revoke(lease: LeaseRef): void {
    this.workers.holder(lease)?.cancel(lease);
  }
}
