// What happens to a job when one of its attempts ends without a result.
// Pure, so every store applies the same rule (redis/attempt-rules.lua is its twin).
//
// A volunteer's word is a vote, not a verdict, and identities are free: only
// trusted workers' attempts can fail a job. Volunteers' attempts are counted by
// who made them, so one identity that keeps failing, expiring or dropping its
// connection counts once, and by the network they came from, so identities
// minted by one script on one address count once too. A volunteer whose lease of
// a job ended without an answer is not leased that job again (a job coming back
// would tell it from a spot check), so it adds at most one such attempt (the
// stores' shuns: sqlite-statements.ts, end-without-result.lua).
// When the volunteers reach a cap (MAX_ATTEMPTS, MAX_LEASES, or FAILURE_QUORUM of
// them saying "this image cannot be processed"), the job goes to trusted workers only and waits
// for them, as a private job does, so that identities minted by one script can
// delay a job but never fail it. A trusted worker's attempts each count, and its
// word that the image cannot be processed is final.
import type { AttemptOutcome } from '../api-types.ts';
import type { Limits } from './job-store.ts';

export type EndedWithoutResult = Extract<AttemptOutcome, 'failed' | 'expired' | 'lost' | 'recovered' | 'refused' | 'image-missing'>;

/** What the rules need to know of each attempt of a job, the one just ended included. */
export interface AttemptFacts {
  attempt: number;
  /** The master-issued identity that held the lease. */
  identity: string;
  /** The network its socket came from, as a tag (WorkerRef.network); absent on attempts stored before networks. */
  network?: string | null;
  trusted: boolean;
  outcome: AttemptOutcome;
  /** A failure the worker said retrying cannot help (e.g. the image cannot be decoded). */
  final: boolean;
}

export interface AfterAttempt {
  status: 'queued' | 'failed';
  /** Distinct attempts that failed or expired, of both classes (the job's `failures`). */
  failures: number;
  /** The volunteers reached a cap: from now on only trusted workers may take the job. */
  trustedOnly: boolean;
}

/** Why a job the volunteers gave up on waits: said after the last attempt's reason. */
export const WAITS_FOR_TRUSTED = 'volunteers could not process it: it waits for a trusted worker';

/** The network an attempt or a vote counts as: its tag, or its identity's own when it came with none (stored before networks, a test's worker). */
export const networkOf = (network: string | null | undefined, identity: string): string => network ?? `identity:${identity}`;

/**
 * The independent voters among the attempts that `counted`: each trusted attempt on its own; volunteers by distinct
 * identity, but never more than the distinct networks they came from (an attempt with no network counts as its
 * identity's own), so neither one identity returning nor many identities from one address count more than once.
 */
function distinctVoters(attempts: AttemptFacts[], counted: (a: AttemptFacts) => boolean): number {
  const chosen = attempts.filter(counted);
  const volunteers = chosen.filter((a) => !a.trusted);
  const identities = new Set(volunteers.map((a) => a.identity)).size;
  const networks = new Set(volunteers.map((a) => networkOf(a.network, a.identity))).size;
  return chosen.length - volunteers.length + Math.min(identities, networks);
}

const failedOrExpired = (a: AttemptFacts) => a.outcome === 'failed' || a.outcome === 'expired';
/**
 * A lease that ended without an answer (lost with its worker, refused as nonsense, failed, expired) by the worker's
 * doing or the job's. Not one recovered: its master restarted or was taken for dead, which tells nothing of the job,
 * and counted, a master restarted MAX_LEASES times while a job was leased failed that healthy job.
 */
const unanswered = (a: AttemptFacts) => a.outcome !== 'answered' && a.outcome !== 'recovered';
const saysFinal = (a: AttemptFacts) => a.outcome === 'failed' && a.final;

/**
 * Only failures and expiries use up attempts; the lease cap still ends an image that crashes every browser it
 * touches. A lease answered (a volunteer's vote) shows the image does not, so it uses up no lease: a job collecting
 * votes while saboteurs holding it are blacklisted stays queued. Nor does a lease recovered from a dead master.
 */
export function afterAttempt(attempts: AttemptFacts[], limits: Pick<Limits, 'maxAttempts' | 'maxLeases' | 'failureQuorum'>): AfterAttempt {
  const pastCaps = (among: AttemptFacts[]) =>
    distinctVoters(among, failedOrExpired) >= limits.maxAttempts || distinctVoters(among, unanswered) >= limits.maxLeases;
  const byTrusted = attempts.filter((a) => a.trusted);
  const byVolunteers = attempts.filter((a) => !a.trusted);
  const failed = byTrusted.some(saysFinal) || pastCaps(byTrusted);
  const volunteersGaveUp = distinctVoters(byVolunteers, saysFinal) >= limits.failureQuorum || pastCaps(byVolunteers);
  return { status: failed ? 'failed' : 'queued', failures: distinctVoters(attempts, failedOrExpired), trustedOnly: volunteersGaveUp };
}

/**
 * The reason a job failed for good: its last `shown` attempts (ERROR_ATTEMPTS_SHOWN), each with whose it was, the
 * worker's (clipped) name and whether a volunteer or the operator's fleet; the earlier ones are counted, not listed
 * (the job's timeline has them all), as volunteers' attempts are not capped and each reason may be long.
 */
export function finalError(
  attempts: { attempt: number; workerName: string; workerClass: 'trusted' | 'volunteer'; outcome: string; reason: string | null }[],
  shown: number,
): string {
  const listed = attempts.slice(-shown).map((a) => {
    const whose = a.workerClass === 'trusted' ? 'operator fleet' : 'volunteer';
    return `attempt ${a.attempt}, worker ${a.workerName} (${whose}): ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`;
  });
  const earlier = attempts.length - listed.length;
  const counted = earlier === 1 ? "1 earlier attempt is in the job's timeline" : `${earlier} earlier attempts are in the job's timeline`;
  return [...(earlier > 0 ? [counted] : []), ...listed].join('; ');
}
