// A worker's answer to what it was leased: a result, a failure, or a result that
// made no sense (result-checks.ts). The store fences each: it writes one only for
// the job's current lease, held by this worker. A result settles the job or is
// kept as a vote, as verification says (master/trust/verification.ts); an answer
// to a spot check is judged in volunteer-trust.ts. A fenced-off answer, and one
// that made no sense, count against the worker.
import { believedTimes } from '../hub/claimed-times.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Logger } from '../log.ts';
import { relabelled } from '../model/class-labels.ts';
import { type FailureMessage, type ResultMessage } from '../protocol.ts';
import type { JobStore, LeaseRef, RejectReason, Transition } from '../store/job-store.ts';
import { logStoreError } from '../store/store-errors.ts';
import type { SpotChecks } from '../trust/spot-checks.ts';
import type { Verifier } from '../trust/verification.ts';
import type { JobEvent } from './job-events.ts';
import { AnswersFollowedLate } from './late-replies.ts';
import type { VolunteerTrust } from './volunteer-trust.ts';

export interface WorkerAnswersDeps {
  store: JobStore;
  workers: WorkerRegistry;
  log: Logger;
  verifier: Verifier;
  /** Absent without GOLD_DIR: no spot checks. */
  spotChecks: SpotChecks | undefined;
  trust: VolunteerTrust;
  /** What follows an applied transition (job-lifecycle.ts). */
  applied: (event: JobEvent) => void;
  dispatch: () => void;
}

export class WorkerAnswers {
  /** Worker answers refused by fencing, by reason: never written. */
  readonly rejected: Record<RejectReason, number> = { 'unknown-job': 0, 'stale-lease': 0, 'not-your-lease': 0 };
  /** Follow-ups still running (/metrics); each is awaited by the answer that led to it. */
  private followUpsRunning = 0;
  /** Answers whose store call went unanswered, followed once the store learns they ran: a lease's once. */
  private readonly followedLate: AnswersFollowedLate;

  constructor(private readonly deps: WorkerAnswersDeps) {
    this.followedLate = new AnswersFollowedLate(deps.log);
  }

  /**
   * Fencing: the store writes the answer only for the job's current lease, held by this worker. Verification
   * (master/trust/verification.ts) says whether it settles the job (completed) or is kept as a vote while another
   * identity is asked (answered).
   */
  async complete(session: WorkerSession, message: ResultMessage): Promise<void> {
    const { store, workers, verifier, trust, applied } = this.deps;
    const lease = { jobId: message.jobId, leaseId: message.leaseId };
    const { inferenceMs, stages } = believedTimes(session, lease, message, Date.now());
    if (this.isSpotCheckHeld(session, lease)) return this.followUp(trust.judgeSpotCheck(session, lease, message.predictions[0]!.index, inferenceMs));
    const answer = {
      predictions: relabelled(message.predictions),
      model: message.model,
      backend: message.backend,
      ...(message.precision ? { precision: message.precision } : {}),
      inferenceMs,
      ...(stages ? { stages } : {}),
      workerId: session.identity.workerId,
      workerClass: session.workerClass,
      ...(session.hello.browser ? { browser: session.hello.browser } : {}),
    };
    const checksBefore = session.trust.spotChecksPassed;
    // A first attempt holds no votes (store contract): no read for the common case of a job answered at once.
    const firstAttempt = session.isFirstAttempt(lease);
    const held = this.answered(session, lease);
    /**
     * What follows an answer the store wrote: in time, or once the store learns that Redis ran it late (late-replies.ts),
     * if it is this lease's first answer and no other answer to the lease was followed meanwhile.
     */
    const follow = (name: 'answered' | 'completed', transition: Transition) => {
      if (!transition.applied) return undefined;
      this.followedLate.followed(lease);
      session.recordDone(inferenceMs);
      applied({ type: 'job', transition: name, job: transition.job });
      return this.followUp(name === 'completed' ? trust.judgeVolunteers(transition.job) : trust.voteKept(session, lease.jobId, checksBefore));
    };
    const written = (name: 'answered' | 'completed', call: Promise<Transition>) =>
      this.followedLate.call(lease, held, call, (transition) => {
        void follow(name, transition);
        workers.changed(session);
      });
    const settle = async () => {
      const earlier = firstAttempt ? [] : await store.votes(lease.jobId);
      const decision = await verifier.decide({ answer, network: session.ref.network }, earlier, workers.hasTrusted());
      const now = Date.now();
      const blacklisted = decision.answererBlacklisted;
      if (!decision.final)
        return {
          name: 'answered' as const,
          blacklisted,
          transition: await written('answered', store.vote(lease, session.id, answer, decision.trustedOnly, now)),
        };
      // A result settled on an earlier vote is that voter's answer: this one is kept beside it, its vote if the job is reopened.
      const own = decision.result.workerId === answer.workerId ? undefined : answer;
      return { name: 'completed' as const, blacklisted, transition: await written('completed', store.complete(lease, session.id, decision.result, now, own)) };
    };
    const { name, blacklisted, transition } = await settle();
    // Blacklisted on another master while its socket here stayed open: its answer counted for nothing, and it is cut off.
    if (blacklisted !== undefined) trust.cutOff({ workerId: session.identity.workerId, reason: blacklisted });
    const judging = follow(name, transition);
    if (!transition.applied) this.reject(session, lease, held, 'result', transition.reason);
    workers.changed(session);
    await judging;
  }

  /** Fenced as complete is; the store requeues the job, or fails it when not retryable or out of attempts. */
  async fail(session: WorkerSession, message: FailureMessage): Promise<void> {
    const { store, workers, log, spotChecks, trust, applied, dispatch } = this.deps;
    const lease = { jobId: message.jobId, leaseId: message.leaseId };
    // An honest page may fail to decode now and then: a failed spot check says nothing either way. It counts among
    // the worker's failures as a job's would, or a volunteer failing a frame could tell from them whether it was a check.
    if (this.isSpotCheckHeld(session, lease)) {
      session.drop(lease);
      spotChecks?.forget(lease);
      session.jobsFailed += 1;
      workers.changed(session);
      return dispatch();
    }
    const held = this.answered(session, lease);
    // Blacklisted on another master while its socket here stayed open: its failure would count toward failing the job
    // (FAILURE_QUORUM). It counts for nothing: the lease goes back as lost, and the worker is cut off. Only a lease it
    // held: release() is the master's own verdict and fences nothing, and a running attempt's lease id is on the
    // board, so a failure naming another worker's lease would end that worker's.
    const blacklisted = await this.blacklistedVolunteer(session);
    if (blacklisted !== undefined) {
      trust.cutOff({ workerId: session.identity.workerId, reason: blacklisted });
      if (!held) return;
      const lost = await store.release(lease, 'lost', `worker ${session.hello.name} blacklisted`, Date.now());
      if (lost.applied) applied({ type: 'job', transition: 'lost', job: lost.job });
      return;
    }
    const transition = await store.fail(lease, session.id, message.reason, message.retryable, Date.now());
    if (transition.applied) {
      session.jobsFailed += 1;
      log.info({ jobId: lease.jobId, worker: session.hello.name, reason: message.reason, status: transition.job.status }, 'attempt failed');
      applied({ type: 'job', transition: 'failed', job: transition.job });
    } else {
      this.reject(session, lease, held, 'failure', transition.reason);
    }
    workers.changed(session);
  }

  /**
   * The worker's answer made no sense (result-checks.ts): fenced as complete is, nothing of it is stored, and the
   * job goes back to the queue for another identity.
   */
  async refuse(session: WorkerSession, message: ResultMessage, problem: string): Promise<void> {
    const { store, workers, trust, applied } = this.deps;
    const lease = { jobId: message.jobId, leaseId: message.leaseId };
    if (this.isSpotCheckHeld(session, lease)) return this.followUp(trust.judgeSpotCheck(session, lease, null));
    const held = this.answered(session, lease);
    const transition = await store.refuse(lease, session.id, `answer refused: ${problem}`, Date.now());
    if (transition.applied) {
      // Nonsense counts against the worker like any refused answer.
      this.countRefusal(session, { jobId: lease.jobId, workerId: session.identity.workerId, problem }, 'answer refused');
      applied({ type: 'job', transition: 'refused', job: transition.job });
    } else {
      this.reject(session, lease, held, 'refused answer', transition.reason);
    }
    workers.changed(session);
  }

  /**
   * What an answer leads to once its lease is done with (a spot check or the job's volunteers judged, waiting votes
   * decided again) waits on the identity store. The answer is handled only once it is done: it holds its place among
   * the worker's messages in flight until then (MAX_WORKER_MESSAGES_IN_FLIGHT), so a slow identity store cannot let
   * one socket's judgings pile up, and a closing master, which waits for the messages being handled (worker-hub.ts),
   * waits for it before it closes the stores. Never rejects.
   */
  private followUp(judging: Promise<void>): Promise<void> {
    this.followUpsRunning += 1;
    return judging
      .catch((error: unknown) => logStoreError(this.deps.log, error, 'could not finish judging an answer'))
      .finally(() => (this.followUpsRunning -= 1));
  }

  /** Follow-ups still running (/metrics: a slow identity store shows here). */
  get pendingFollowUps(): number {
    return this.followUpsRunning;
  }

  /** Why a volunteer's identity is blacklisted, if it is; when its record cannot be read now, it is taken as it was. */
  private async blacklistedVolunteer(session: WorkerSession): Promise<string | undefined> {
    if (session.workerClass !== 'volunteer') return undefined;
    return this.deps.verifier.recordOf(session.identity.workerId).then(
      (record) => (record.blacklisted ? (record.blacklistedReason ?? 'blacklisted') : undefined),
      () => undefined,
    );
  }

  /**
   * Only the worker a spot check was dealt to may answer it: another's answer with its ids (a colluder's, to learn
   * which frames are checks) goes to the store as any stray answer does, which refuses it as no lease of its.
   */
  private isSpotCheckHeld(session: WorkerSession, lease: LeaseRef): boolean {
    return this.deps.spotChecks?.isSpotCheck(lease) === true && session.holds(lease);
  }

  /**
   * The worker answered this lease: it holds it no more, from now. Were it kept until the store has written the answer,
   * the socket closing meanwhile (a tab closed right after its last answer) would release it as lost (job-lifecycle.ts
   * left()), and the answer that had arrived would be refused as stale. One whose store call then fails expires at its
   * deadline and is redone. Returns whether the worker held it.
   */
  private answered(session: WorkerSession, lease: LeaseRef): boolean {
    return session.drop(lease);
  }

  /** `held`: the worker held the lease when it answered, so the store ended it under the worker (a delete, a reaper). */
  private reject(session: WorkerSession, lease: LeaseRef, held: boolean, what: string, reason: RejectReason): void {
    this.rejected[reason] += 1;
    // An honest page's answer to a job deleted or taken back while it worked on it is no strike against it, whether
    // its cancel was sent (excused) or not yet (still held: the store ended the lease before the master could tell it).
    if (!held && !session.excusesLateAnswer(lease)) this.countRefusal(session, { ...lease, reason }, `${what} rejected`);
    this.deps.dispatch();
  }

  /** A refused answer counts against its worker: logged once an interval (refusal-limiter.ts), and past the limit its socket closed. */
  private countRefusal(session: WorkerSession, details: Record<string, unknown>, message: string): void {
    const verdict = session.refusals.note(Date.now());
    if (verdict.log) this.deps.log.warn({ ...details, worker: session.hello.name, suppressed: verdict.suppressed }, message);
    if (verdict.overLimit) session.close('tooManyRefused', 1008, 'too many refused answers');
  }
}
