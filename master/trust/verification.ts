// Whether a worker's answer settles its job, and the verification record the result then carries.
// A trusted worker's word is final. A volunteer's answer is a vote: the job is final once one answer's
// credibility (credibility.ts, from the spot checks each voter survived and how long saboteurs with as many
// lasted, survival.ts) reaches 1 − TARGET_ERROR, counting only volunteers that passed MIN_CHECKS_TO_VERIFY spot
// checks (identities are free: agreement among new ones may be one person's); a volunteer's close call
// (close-calls.ts) never settles it without another identity agreeing. Identities minted on one network count as at
// most MAX_VOTERS_PER_NETWORK voters (votersPerNetwork). Until then it goes to another identity, up
// to MAX_REPLICAS answers; past them, to a trusted worker if one is connected, else it ends `unverified` on the
// answer in the lead, and says so. The answers of identities blacklisted since count for nothing toward MAX_REPLICAS
// (a handful of saboteurs would otherwise push jobs to `unverified`), but a job holds at most MAX_ANSWERS_PER_JOB
// volunteer answers, theirs included: past it, the same (trusted workers only, else `unverified`, its reason saying
// why), so identities that answer and then get blacklisted cannot make one job collect answers without end. Once a
// job ends on a credible answer, each volunteer's answer to it is judged, once however often the job ends (verified
// again after a blacklisting): one outvoted far more often than honest backends disagree (MAX_OUTVOTED_SHARE of at
// least OUTVOTED_MIN_ANSWERS) is to be blacklisted.
import type { JobResult, Replica, Verification, VerificationState } from '../api-types.ts';
import type { Blacklisting, IdentityStore, OwedBacktrack, TrustRecord } from '../identity/identity-store.ts';
import { networkOf } from '../store/attempt-rules.ts';
import { isCloseCall } from './close-calls.ts';
import { reachesTarget, verdict, workerCredibility, type Verdict } from './credibility.ts';
import { NO_SURVIVAL, observedSaboteurShare, type SurvivalCounts } from './survival.ts';

export interface VerificationPolicy {
  targetError: number;
  saboteurFraction: number;
  maxReplicas: number;
  /** Most volunteer answers one job may hold, those of identities blacklisted since included (MAX_ANSWERS_PER_JOB, ≥ maxReplicas). */
  maxAnswersPerJob: number;
  closeCallMargin: number;
  closeCallMarginFp32: number;
  minChecksToVerify: number;
  maxVotersPerNetwork: number;
  maxOutvotedShare: number;
  outvotedMinAnswers: number;
}

/** What the verifier keeps per identity (identity-store.ts). */
export type TrustRecords = Pick<IdentityStore, 'trustRecord' | 'recordJudgedAnswer' | 'blacklist' | 'owedBacktracks' | 'backtracked' | 'survival'>;

/**
 * An answer given to a job and the network tag of the socket it came from (WorkerRef.network): null when it had
 * none (a worker made in a test, a vote stored before networks), and its identity then counts as its own network.
 */
export type Ballot = { answer: JobResult; network?: string | null };

/**
 * A verdict on a job's answers. `answererBlacklisted`, why the new answer's identity is blacklisted already (on another
 * master, while its socket here stayed open): its answer counted for nothing, and its sockets should close.
 */
export type Decision = ({ final: true; result: JobResult } | { final: false; trustedOnly: boolean }) & { answererBlacklisted?: string };

const top1 = (answer: JobResult) => answer.predictions[0]!.index;
const isTrusted = (answer: JobResult) => answer.workerClass === 'trusted';

/** What a job's ending says of the volunteers who answered it (Verifier.judge). */
export interface Judgement {
  outvoted: { workerId: string; reason: string }[];
  blacklistedSince: { workerId: string; reason: string }[];
}

export class Verifier {
  /** How long saboteurs lasted, as last read (each decision on a volunteer's answer reads it afresh): what a session's credibility is shown with. */
  private survival: SurvivalCounts = NO_SURVIVAL;

  constructor(
    private readonly policy: VerificationPolicy,
    private readonly records: TrustRecords,
  ) {}

  /** An identity's record: spot checks, judged answers, blacklisting. */
  recordOf(workerId: string): Promise<TrustRecord> {
    return this.records.trustRecord(workerId);
  }

  /**
   * Refuses the identity from now on, on every master, keeping the reason; its votes stop counting (decide). Its
   * backtracking is owed until `backtracked` with this call's mark; `first` if it was not blacklisted yet.
   */
  blacklist(workerId: string, reason: string): Promise<Blacklisting> {
    return this.records.blacklist(workerId, reason);
  }

  /** Blacklistings whose backtracking is still owed: a master died, or the store failed, before it was done. */
  owedBacktracks(): Promise<OwedBacktrack[]> {
    return this.records.owedBacktracks();
  }

  /** The backtracking owed under `mark` is done (owed still if blacklisted again since). */
  backtracked(workerId: string, mark: string): Promise<void> {
    return this.records.backtracked(workerId, mark);
  }

  /**
   * After job `jobId` ended on a credible answer (trusted or verified, not unverified): counts each volunteer's answer
   * to it as judged, outvoted when it disagreed; an answer judged when the job ended before (it was reopened since)
   * is not counted again, only as outvoted by this result or not (identity-store.ts). Answers the identities now
   * outvoted far beyond honest disagreement, and those the result leans on (agreeing, counted) that are blacklisted
   * now: blacklisted elsewhere between the decision and the commit, so that backtracking may have missed this job.
   * Each with why.
   */
  async judge(jobId: string, result: JobResult): Promise<Judgement> {
    const judgement: Judgement = { outvoted: [], blacklistedSince: [] };
    const verification = result.verification;
    if (!verification || verification.state === 'unverified') return judgement;
    for (const replica of verification.replicas.filter((r) => r.workerClass === 'volunteer')) {
      const record = await this.records.recordJudgedAnswer(replica.workerId, jobId, !replica.agreed);
      const { answersJudged: judged, answersOutvoted: outvoted } = record;
      if (record.blacklisted) {
        if (replica.agreed && !replica.blacklisted)
          judgement.blacklistedSince.push({ workerId: replica.workerId, reason: record.blacklistedReason ?? 'blacklisted' });
        continue;
      }
      if (replica.agreed || judged < this.policy.outvotedMinAnswers || outvoted / judged <= this.policy.maxOutvotedShare) continue;
      judgement.outvoted.push({ workerId: replica.workerId, reason: `outvoted in ${outvoted} of ${judged} verified jobs, far beyond honest disagreement` });
    }
    return judgement;
  }

  /** Whether one answer of a worker this credible settles a job alone (no replica needed). */
  settlesAlone(credibility: number): boolean {
    return reachesTarget(credibility, this.policy.targetError);
  }

  /**
   * A worker's credibility from its class, the spot checks its identity passed, and how long saboteurs lasted:
   * 0 for a volunteer short of MIN_CHECKS_TO_VERIFY, whose answers count toward no verdict (decide, below).
   */
  credibilityOf(trusted: boolean, { spotChecksPassed }: Pick<TrustRecord, 'spotChecksPassed'>): number {
    if (!this.hasSay(trusted, spotChecksPassed)) return 0;
    return workerCredibility({ trusted, spotChecksPassed, observedSaboteurShare: this.observedShare(spotChecksPassed) }, this.policy.saboteurFraction);
  }

  /**
   * Identities are free, so new ones agreeing may be one person's: a volunteer's answer counts, for or against, once
   * its identity has passed MIN_CHECKS_TO_VERIFY spot checks (kept until then, and decided again as it passes).
   */
  private hasSay(trusted: boolean, spotChecksPassed: number): boolean {
    return trusted || spotChecksPassed >= this.policy.minChecksToVerify;
  }

  private observedShare(spotChecksPassed: number): number {
    return observedSaboteurShare(this.survival, spotChecksPassed);
  }

  /**
   * `newest` is the new answer (its workerId and workerClass set), `earlier` the votes the job already holds.
   * The votes of identities blacklisted since they voted no longer count, toward a verdict or MAX_REPLICAS; every
   * volunteer answer counts toward MAX_ANSWERS_PER_JOB, theirs and the newest included.
   */
  async decide(newest: Ballot, earlier: readonly Ballot[], trustedWorkerConnected: boolean): Promise<Decision> {
    const ballots = [...earlier, newest];
    const answer = newest.answer;
    const answers = ballots.map((ballot) => ballot.answer);
    // Only a volunteer's credibility depends on how long saboteurs lasted: a trusted fleet's answer reads nothing.
    if (!answers.every(isTrusted)) this.survival = await this.records.survival();
    const counted: Voter[] = [];
    let answererBlacklisted: string | undefined;
    for (const { answer: given, network } of ballots) {
      const record = isTrusted(given) ? null : await this.recordOf(given.workerId ?? '');
      if (!record?.blacklisted)
        counted.push({ answer: given, spotChecksPassed: record?.spotChecksPassed ?? 0, network: networkOf(network, given.workerId ?? '') });
      else if (given === answer) answererBlacklisted = record.blacklistedReason ?? 'blacklisted';
    }
    const asVotes = (voters: typeof counted) =>
      voters.map(({ answer: given, spotChecksPassed }) => ({
        trusted: isTrusted(given),
        spotChecksPassed,
        observedSaboteurShare: this.observedShare(spotChecksPassed),
        answer: top1(given),
      }));
    // Answers of identities blacklisted since they voted: listed among the replicas, marked as counting for nothing.
    const ignored = new Set(answers.filter((given) => !counted.some((kept) => kept.answer === given)));
    const flag = answererBlacklisted === undefined ? {} : { answererBlacklisted };
    const withSay = counted.filter(({ answer: given, spotChecksPassed }) => this.hasSay(isTrusted(given), spotChecksPassed));
    const voting = votersPerNetwork(withSay, this.policy.maxVotersPerNetwork);
    const outcome = verdict(asVotes(voting), this.policy);
    const answersOf = (voters: typeof counted) => voters.map(({ answer: given }) => given);
    if (outcome.final) {
      // Only identities with a say agree: a new one's echo is free to make, so it confirms nothing.
      const agreeing = answersOf(voting).filter((given) => top1(given) === outcome.answer);
      const state: VerificationState = agreeing.some(isTrusted) ? 'trusted' : 'verified';
      // A lone volunteer's close call may be an honest slip its credibility says nothing about: it waits for a second identity.
      const loneCloseCall = state === 'verified' && agreeing.length === 1 && isCloseCall(agreeing[0]!, this.policy);
      if (!loneCloseCall)
        return { final: true, result: settled(answers, [agreeing], outcome.answer, { state, credibility: outcome.credibility }, ignored), ...flag };
    }
    const volunteerAnswers = counted.filter(({ answer: given }) => !isTrusted(given)).length;
    // Every volunteer answer the job would hold, counted or not: the bound on what one job keeps and reads back.
    const heldAnswers = answers.filter((given) => !isTrusted(given)).length;
    const belowReplicas = volunteerAnswers < this.policy.maxReplicas;
    if (belowReplicas && heldAnswers < this.policy.maxAnswersPerJob) return { final: false, trustedOnly: false, ...flag };
    if (trustedWorkerConnected) return { final: false, trustedOnly: true, ...flag };
    // With no answer that counts, the lead among all of them is still the best guess to show, unverified.
    const lead = leadOf(outcome) ?? leadOf(verdict(asVotes(counted), this.policy)) ?? top1(answer);
    const shown = [answersOf(voting), answersOf(counted)];
    // Ended by MAX_ANSWERS_PER_JOB before MAX_REPLICAS counted answers: unlike the usual unverified, it says why.
    const why = belowReplicas ? { reason: answersCapReason(heldAnswers, heldAnswers - volunteerAnswers) } : {};
    const unverified = { state: 'unverified' as const, credibility: outcome.credibility, ...why };
    return { final: true, result: settled(answers, shown, lead, unverified, ignored), ...flag };
  }
}

/**
 * Why a job ended unverified at MAX_ANSWERS_PER_JOB (Verification.reason): `held` volunteer answers, `blacklisted` of
 * them from identities blacklisted since, and no trusted worker connected.
 */
export function answersCapReason(held: number, blacklisted: number): string {
  return `it holds ${held} volunteer answers, the most one job may (MAX_ANSWERS_PER_JOB), ${blacklisted} of them from identities blacklisted since they answered, which count for nothing, with no credible answer among the rest, and no trusted worker was connected to settle it`;
}

/** An answer counted (its identity not blacklisted), with what its voter's say rests on. */
interface Voter {
  answer: JobResult;
  spotChecksPassed: number;
  /** Its network tag, or its identity's own when it came with none (networkOf). */
  network: string;
}

/**
 * Identities are free, and a script mints them on one address (up to MAX_NEW_IDENTITIES_PER_ADDRESS an hour), each
 * passing checks honestly: of the volunteers with a say from one network (an IPv4 address, an IPv6 /64: the unit
 * attempt-rules.ts counts), only the `max` that passed the most spot checks vote (the first among equals), so at the
 * default of 1 agreement takes as many networks as voters. Honest volunteers behind one NAT count so too: the job
 * waits for another network. A trusted worker's answer is final on its own and always counts. Order is kept.
 */
function votersPerNetwork(voters: readonly Voter[], max: number): Voter[] {
  const byNetwork = new Map<string, Voter[]>();
  for (const voter of voters.filter((v) => !isTrusted(v.answer))) {
    const group = byNetwork.get(voter.network);
    if (group) group.push(voter);
    else byNetwork.set(voter.network, [voter]);
  }
  // A stable sort: among equals, the first to answer.
  const kept = new Set([...byNetwork.values()].flatMap((group) => group.toSorted((a, b) => b.spotChecksPassed - a.spotChecksPassed).slice(0, max)));
  return voters.filter((voter) => isTrusted(voter.answer) || kept.has(voter));
}

/** The answer in the lead: the final one, or the most credible so far (null with no votes). */
const leadOf = (outcome: Verdict): number | null => (outcome.final ? outcome.answer : outcome.best);

/**
 * The final result: the predictions (top-5, probabilities, worker) of the newest answer giving `winner` from the first
 * of `preferred` that has one (those that decided it, then those that count; any answer last), with every replica listed.
 */
function settled(
  answers: JobResult[],
  preferred: readonly (readonly JobResult[])[],
  winner: number,
  verdict: Pick<Verification, 'state' | 'credibility' | 'reason'>,
  ignored: ReadonlySet<JobResult>,
): JobResult {
  const newestGiving = (among: readonly JobResult[]) => among.findLast((given) => top1(given) === winner);
  const chosen = [...preferred, answers].map(newestGiving).find((given) => given !== undefined)!;
  const replicas: Replica[] = answers.map((given) => ({
    workerId: given.workerId ?? '',
    workerClass: given.workerClass ?? 'volunteer',
    top1: top1(given),
    agreed: top1(given) === winner,
    backend: given.backend,
    ...(given.browser ? { browser: given.browser } : {}),
    inferenceMs: given.inferenceMs,
    ...(ignored.has(given) ? { blacklisted: true as const } : {}),
  }));
  return { ...chosen, verification: { ...verdict, replicas } };
}
