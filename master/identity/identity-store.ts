// Where identities' shared state lives, beside the jobs: the signing secret (when the operator set
// none, the first master makes one and every later master on the same data uses it), the revoked ids,
// each volunteer's trust record (spot checks passed and failed, answers judged and outvoted, and whether it was
// blacklisted), with the (job, identity) answers judged, so that each is judged once, the blacklistings whose
// backtracking is still owed, and when each identity was last seen, so that idle ones are forgotten. Revocation is the
// seam blacklisting builds on: a blacklisted identity is revoked too.
import type { SurvivalCounts } from '../trust/survival.ts';

export interface IdentityStore {
  /** The stored secret, or `candidate` stored now if there was none (first writer wins). */
  secretOr(candidate: string): Promise<string>;
  isRevoked(workerId: string): Promise<boolean>;
  revoke(workerId: string): Promise<void>;
  /**
   * Counts one spot check (a gold job) the identity answered, atomically across masters; returns the record after it.
   * A blacklisted identity's checks count no more (one blacklisted elsewhere may answer one before its socket here
   * closes): its record, and how long saboteurs lasted, stay as they were when it was caught.
   */
  recordSpotCheck(workerId: string, passed: boolean): Promise<TrustRecord>;
  /**
   * Counts the identity's answer to a job weighed in the job's verified result, outvoted or not; returns the record
   * after it. Once per (job, identity): a job verified again (reopened after a blacklisting) counts that answer as
   * judged no more, only as outvoted or not by the newest result. The pair is remembered as of `at`.
   */
  recordJudgedAnswer(workerId: string, jobId: string, outvoted: boolean, at?: number): Promise<TrustRecord>;
  /** Retention: forgets at most `limit` judged (job, identity) pairs last judged at or before `judgedBy`, oldest first; answers how many. */
  forgetJudged(judgedBy: number, limit: number): Promise<number>;
  /**
   * Notes the identity seen at `at` (a hello admitted it), before its token is issued: retention forgets an identity
   * idle past IDENTITY_TOKEN_MAX_AGE_MS, when no token it holds can be presented any more.
   */
  seen(workerId: string, at?: number): Promise<void>;
  /**
   * Retention: forgets at most `limit` identities last seen at or before `seenBy`, oldest first: their trust record,
   * their revocation and their sighting. Their tokens are expired, so forgetting a revocation lets no one back in.
   * Answers their ids.
   */
  forgetIdle(seenBy: number, limit: number): Promise<string[]>;
  /** The identity's record; all zeros for one never checked. */
  trustRecord(workerId: string): Promise<TrustRecord>;
  /**
   * Marks the identity blacklisted with the reason (the first reason given stays), revokes it, and owes its
   * backtracking (the jobs that leaned on it reopened: owedBacktracks lists it until `backtracked`), in one step, so
   * a master that dies, or a store call that fails, before the backtracking is done leaves it owed. Each call owes
   * it anew, under a mark of its own.
   */
  blacklist(workerId: string, reason: string): Promise<Blacklisting>;
  /** The blacklisted identities whose backtracking is owed (few: each is cleared once done), each with its reason and latest mark. */
  owedBacktracks(): Promise<OwedBacktrack[]>;
  /** The backtracking owed under `mark` is done: no longer owed, unless a later blacklist call owed it anew. */
  backtracked(workerId: string, mark: string): Promise<void>;
  /** How long saboteurs have lasted (trust/survival.ts), counted by recordSpotCheck and the first blacklist of each identity. */
  survival(): Promise<SurvivalCounts>;
  close(): Promise<void>;
}

/**
 * What spot checks have shown about one identity. The bound: one record per identity that answered a
 * gold job or was blacklisted (ids are signed, so a record is only ever made for one the master issued), and seen
 * within IDENTITY_TOKEN_MAX_AGE_MS (forgetIdle).
 */
export interface TrustCounts {
  spotChecksPassed: number;
  spotChecksFailed: number;
  /** Its answers weighed in jobs that ended verified (or on a trusted worker's word), and how many of them the result went against. */
  answersJudged: number;
  answersOutvoted: number;
}

/** What a blacklist call did. */
export interface Blacklisting {
  /** True for the call that blacklisted it, false when it already was (two masters, or two failed checks at once). */
  first: boolean;
  /** The mark this call owes the identity's backtracking under: `backtracked` with it clears it. */
  mark: string;
}

/** A blacklisting whose backtracking is not done yet (a master died, or the store failed, midway). */
export interface OwedBacktrack {
  workerId: string;
  reason: string;
  mark: string;
}

export interface TrustRecord extends TrustCounts {
  blacklisted: boolean;
  blacklistedReason?: string;
}

export const NO_TRUST_COUNTS: TrustCounts = { spotChecksPassed: 0, spotChecksFailed: 0, answersJudged: 0, answersOutvoted: 0 };

/** The record of an identity from its stored counts and blacklisting reason (null: not blacklisted). */
export const trustRecordOf = (counts: TrustCounts, reason: string | null): TrustRecord =>
  reason === null ? { ...counts, blacklisted: false } : { ...counts, blacklisted: true, blacklistedReason: reason };
