// What the master does about volunteers it cannot trust, beside their jobs' transitions (job-lifecycle.ts): the
// credibility each session shows, spot checks judged, waiting votes decided again as their volunteers earn
// credibility (waiting-votes.ts), and blacklisting with its backtracking, which the identity store keeps owed until
// it is done and which is retried until then. Every job transition it causes goes through the lifecycle's `applied`,
// so it is counted and published as any other.
import type { JobView } from '../api-types.ts';
import type { BlacklistNotice } from '../events/live-events.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { WorkerSession } from '../hub/worker-session.ts';
import type { Blacklisting, OwedBacktrack, TrustRecord } from '../identity/identity-store.ts';
import type { Logger } from '../log.ts';
import { CloseCode } from '../protocol.ts';
import type { JobStore, LeaseRef } from '../store/job-store.ts';
import { logStoreError } from '../store/store-errors.ts';
import type { SpotChecks } from '../trust/spot-checks.ts';
import type { Verifier } from '../trust/verification.ts';
import type { JobEvent } from './job-events.ts';
import { WaitingVotes } from './waiting-votes.ts';

/** What caught a volunteer: a wrong answer to a spot check, or being outvoted far beyond honest disagreement. */
export type BlacklistCause = 'spot-check' | 'outvoted';

/** The blacklisting reason of an identity the admin revoked (POST /api/workers/:workerId/revoke). */
const REVOKED = 'revoked by the admin';

export interface VolunteerTrustDeps {
  store: JobStore;
  workers: WorkerRegistry;
  log: Logger;
  verifier: Verifier;
  /** Absent without GOLD_DIR: no spot checks. */
  spotChecks?: SpotChecks;
  /** MAX_WAITING_VOTES: the jobs a session voted on that are decided again when it passes a spot check. */
  maxWaitingVotes: number;
  /** What follows a job transition (job-lifecycle.ts). */
  applied: (event: JobEvent) => void;
  /** Offers the queue to workers. */
  dispatch: () => void;
  /** Tells the other masters sharing the store, which close the identity's sockets there (cutOff). */
  tellOtherMasters: (notice: BlacklistNotice) => void;
}

export class VolunteerTrust {
  /** Volunteer identities this master blacklisted, by what caught them (one already blacklisted elsewhere is not counted again). */
  readonly blacklisted: Record<BlacklistCause, number> = { 'spot-check': 0, outvoted: 0 };
  private readonly waitingVotes: WaitingVotes;
  /** Identities this master is backtracking now: a retry leaves them to the walk under way. */
  private readonly backtracking = new Set<string>();
  /** The retry of owed backtracking under way, joined rather than doubled. */
  private retrying: Promise<void> | null = null;

  constructor(private readonly deps: VolunteerTrustDeps) {
    this.waitingVotes = new WaitingVotes(deps.store, deps.verifier, deps.maxWaitingVotes);
  }

  /** The session's credibility, from its identity's spot-check record (shown on boards; verification reads the record itself). */
  async readTrust(session: WorkerSession): Promise<void> {
    this.setTrust(session, { spotChecksPassed: 0 });
    if (session.workerClass === 'trusted') return;
    try {
      this.setTrust(session, await this.deps.verifier.recordOf(session.identity.workerId));
    } catch (error) {
      logStoreError(this.deps.log, error, 'could not read a trust record');
    }
  }

  /**
   * Records a spot check's answer (`top1`, null for nonsense; `inferenceMs` its time) against the worker's identity;
   * one that fails it is blacklisted.
   */
  async judgeSpotCheck(session: WorkerSession, lease: LeaseRef, top1: number | null, inferenceMs = 0): Promise<void> {
    session.drop(lease);
    const checks = this.deps.spotChecks!;
    const verdict = checks.judge(lease, top1);
    // Counted done at once, as a job is before its worker is shown changed: a later count would tell a check apart.
    if (verdict.passed) session.recordDone(inferenceMs);
    let record: TrustRecord | undefined;
    try {
      record = await checks.record(session.identity.workerId, verdict.passed);
      this.setTrust(session, record);
    } catch (error) {
      // A lie stands though its count could not be written just now: the liar is blacklisted all the same.
      if (verdict.passed) throw error;
      logStoreError(this.deps.log, error, 'could not count a failed spot check; blacklisting all the same');
    }
    // The worker's credit is free again.
    this.deps.dispatch();
    // Blacklisted on another master while its socket here stayed open (the relay's message missed): cut off here, as
    // at its next answer to a job, rather than dealt more.
    if (record?.blacklisted) return this.cutOff({ workerId: session.identity.workerId, reason: record.blacklistedReason ?? 'blacklisted' });
    if (verdict.passed) await this.revisitWaitingVotes(session);
    else await this.blacklist(session.identity.workerId, verdict.reason, 'spot-check');
  }

  /** The session's answer to this job was kept as a vote, decided on its record when it had `checksBefore` passed checks. */
  async voteKept(session: WorkerSession, jobId: string, checksBefore: number): Promise<void> {
    this.waitingVotes.remember(session, jobId);
    // A spot check passed while this answer was decided on the record before it: that check's revisit missed it.
    if (session.trust.spotChecksPassed > checksBefore) await this.revisitWaitingVotes(session);
  }

  /**
   * After a job ended on a credible answer: each volunteer outvoted far beyond honest disagreement is blacklisted; and
   * one it leaned on that another master blacklisted while this one settled it (its backtracking looked before the job
   * was done) is backtracked again here, so the job is verified again.
   */
  async judgeVolunteers(job: JobView): Promise<void> {
    const { outvoted, blacklistedSince } = await this.deps.verifier.judge(job.id, job.result!);
    for (const { workerId, reason } of outvoted) await this.blacklist(workerId, reason, 'outvoted');
    // Blacklisting it again changes nothing else, but owes its backtracking anew: a walk cut short here is retried.
    for (const { workerId, reason } of blacklistedSince) await this.backtrack(workerId, reason, (await this.deps.verifier.blacklist(workerId, reason)).mark);
  }

  /**
   * The admin revoked the identity: it is blacklisted as a caught liar is (not counted among `blacklisted`'s causes),
   * so it is refused on every master, its votes stop counting, its sockets close on every master, and every job
   * finished on its word is verified again. Answers how many sockets here it closed.
   * Once the blacklisting is stored, a backtracking cut short stays owed and is retried (retryOwedBacktracks).
   */
  async revoke(workerId: string): Promise<number> {
    const { log } = this.deps;
    const sockets = this.sessionsOf(workerId).length;
    const { mark } = await this.stored(workerId, REVOKED);
    log.warn({ workerId }, 'worker identity revoked by the admin, and blacklisted');
    try {
      await this.backtrack(workerId, REVOKED, mark);
    } catch (error) {
      logStoreError(log, error, 'could not backtrack a revoked identity yet (owed: retried)');
    }
    return sockets;
  }

  /**
   * Backtracking a blacklisting still owes (a master died, or the store failed, before it was done), walked again: on
   * every lease reaper tick (lease-reaper.ts), on every master sharing the store, until one finishes it. Walks of one
   * identity by two masters at once do no harm: a job is reopened only while it still holds the result read.
   */
  retryOwedBacktracks(): Promise<void> {
    this.retrying ??= this.backtrackOwed().finally(() => (this.retrying = null));
    return this.retrying;
  }

  /** Resolves once no retry is under way (for clean shutdown). */
  async idle(): Promise<void> {
    await this.retrying;
  }

  private setTrust(session: WorkerSession, record: { spotChecksPassed: number }): void {
    const credibility = this.deps.verifier.credibilityOf(session.workerClass === 'trusted', record);
    session.trust = { credibility, spotChecksPassed: record.spotChecksPassed };
    this.deps.workers.changed(session);
  }

  /** The volunteer's credibility grew: the jobs waiting on its votes may be credible now (waiting-votes.ts). */
  private async revisitWaitingVotes(session: WorkerSession): Promise<void> {
    try {
      for (const job of await this.waitingVotes.revisit(session, this.deps.workers.hasTrusted())) {
        this.deps.applied({ type: 'job', transition: 'completed', job });
        await this.judgeVolunteers(job);
      }
    } catch (error) {
      logStoreError(this.deps.log, error, 'could not decide waiting jobs again');
    }
  }

  /**
   * A volunteer caught lying (a failed spot check, or outvoted far too often) is refused on every master from now on;
   * its sockets are closed on every master, which requeues what they held, and every job finished on its word is
   * verified again, without its vote (verification.ts ignores a blacklisted identity's votes).
   */
  private async blacklist(workerId: string, reason: string, cause: BlacklistCause): Promise<void> {
    const { first, mark } = await this.stored(workerId, reason);
    if (first) this.blacklisted[cause] += 1;
    this.deps.log.warn({ workerId, reason }, 'volunteer blacklisted');
    await this.backtrack(workerId, reason, mark);
  }

  /**
   * The blacklisting stored, then told to the other masters: once, here, not at each walk of an owed backtracking (a
   * master that missed the message closes the sockets at their next answer or hello).
   */
  private async stored(workerId: string, reason: string): Promise<Blacklisting> {
    const blacklisting = await this.deps.verifier.blacklist(workerId, reason);
    this.deps.tellOtherMasters({ workerId, reason });
    return blacklisting;
  }

  /** Each owed backtracking not under way here, walked again; one that fails stays owed for the next tick. */
  private async backtrackOwed(): Promise<void> {
    const { verifier, log } = this.deps;
    let owed: OwedBacktrack[];
    try {
      owed = await verifier.owedBacktracks();
    } catch (error) {
      return logStoreError(log, error, 'could not read the backtracking owed');
    }
    for (const { workerId, reason, mark } of owed) {
      if (this.backtracking.has(workerId)) continue;
      try {
        await this.backtrack(workerId, reason, mark);
        log.info({ workerId }, 'backtracking owed since an earlier blacklisting done');
      } catch (error) {
        logStoreError(log, error, 'could not backtrack an earlier blacklisting yet');
      }
    }
  }

  /**
   * The identity's sockets here closed, which requeues what they held: on the master that blacklisted it, and on every
   * other one it tells. One that missed the message (Redis away) closes them at their next answer or hello.
   */
  cutOff({ workerId, reason }: BlacklistNotice): void {
    for (const session of this.sessionsOf(workerId)) session.close('blacklisted', CloseCode.identityRevoked, `worker identity blacklisted: ${reason}`);
  }

  /** The identity's sockets connected here. */
  private sessionsOf(workerId: string): WorkerSession[] {
    return this.deps.workers.all.filter((session) => session.identity.workerId === workerId);
  }

  /**
   * What follows a blacklisting, on whichever master learns of it: the identity's sockets here closed, its jobs
   * reopened. Owed under `mark` until every job is: a walk cut short (a crash, a store error) is walked again.
   */
  private async backtrack(workerId: string, reason: string, mark: string): Promise<void> {
    const { store, log, applied, verifier } = this.deps;
    this.cutOff({ workerId, reason });
    this.backtracking.add(workerId);
    try {
      // Each step is told as it commits, so a walk cut short has told what it did (walked again, it finds those jobs
      // no longer done), and a long one holds at most a step's jobs.
      const counts = { reopened: 0, unverified: 0 };
      try {
        const walk = {
          reason: `verifying again: a volunteer that answered it was blacklisted (${reason})`,
          // Read by each step as it commits (job-store.ts Backtracking).
          now: () => Date.now(),
          imageExpiredReason: `a volunteer whose answer it rests on was blacklisted (${reason}) after its image had expired, so it could not be verified again`,
          answersFullReason: `a volunteer whose answer it rests on was blacklisted (${reason}) when it held as many volunteer answers as one job may (MAX_ANSWERS_PER_JOB), so no volunteer could answer it again, and no trusted worker was connected to verify it again`,
          trustedWorkerConnected: this.deps.workers.hasTrusted(),
        };
        await store.reopenAnsweredBy(workerId, walk, ({ reopened, unverified }) => {
          for (const job of reopened) applied({ type: 'job', transition: 'reopened', job });
          for (const job of unverified) applied({ type: 'job', transition: 'unverified', job });
          counts.reopened += reopened.length;
          counts.unverified += unverified.length;
        });
      } finally {
        if (counts.reopened || counts.unverified) log.warn({ workerId, ...counts }, 'jobs reopened for verification, or marked unverified');
      }
      await verifier.backtracked(workerId, mark);
    } finally {
      this.backtracking.delete(workerId);
    }
  }
}
