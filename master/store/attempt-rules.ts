// What happens to a job when one of its attempts ends without a result.
// Pure, so every store applies the same rule (redis/attempt-rules.lua is its twin).
//
// A volunteer's word is a vote, not a verdict: attempts are counted by who made
// them, so one identity that keeps failing, expiring or dropping its connection
// counts once, and a volunteer saying "this image cannot be processed" fails the
// job only when FAILURE_QUORUM distinct identities agree. A trusted worker's
// attempts each count, and its word that the image cannot be processed is final.
import type { AttemptOutcome } from '../api-types.ts';
import type { Limits } from './job-store.ts';

export type EndedWithoutResult = Extract<AttemptOutcome, 'failed' | 'expired' | 'lost' | 'recovered' | 'refused'>;

/** What the rules need to know of each attempt of a job, the one just ended included. */
export interface AttemptFacts {
  attempt: number;
  /** The master-issued identity that held the lease. */
  identity: string;
  trusted: boolean;
  outcome: AttemptOutcome;
  /** A failure the worker said retrying cannot help (e.g. the image cannot be decoded). */
  final: boolean;
}

/** Who an attempt speaks for: each trusted attempt on its own, a volunteer identity once however often it returns. */
const voter = (a: AttemptFacts) => (a.trusted ? `trusted#${a.attempt}` : `volunteer:${a.identity}`);

const distinctVoters = (attempts: AttemptFacts[], counted: (a: AttemptFacts) => boolean) => new Set(attempts.filter(counted).map(voter)).size;

/**
 * A worker that vanished (lost), a master that restarted (recovered) or an
 * answer refused as nonsense (refused) says nothing about the image, so only
 * failures and expiries use up attempts; the lease cap still ends an image
 * that crashes every browser it touches. A lease answered (a volunteer's vote)
 * shows the image does not, so it uses up no lease: a job collecting votes
 * while saboteurs holding it are blacklisted stays queued.
 */
export function afterAttempt(
  attempts: AttemptFacts[],
  limits: Pick<Limits, 'maxAttempts' | 'maxLeases' | 'failureQuorum'>,
): { status: 'queued' | 'failed'; failures: number } {
  const failures = distinctVoters(attempts, (a) => a.outcome === 'failed' || a.outcome === 'expired');
  const leases = distinctVoters(attempts, (a) => a.outcome !== 'answered');
  const saysFinal = (a: AttemptFacts) => a.outcome === 'failed' && a.final;
  const finalByTrusted = attempts.some((a) => a.trusted && saysFinal(a));
  const final = finalByTrusted || distinctVoters(attempts, saysFinal) >= limits.failureQuorum;
  return { status: final || failures >= limits.maxAttempts || leases >= limits.maxLeases ? 'failed' : 'queued', failures };
}

/** The reason a job failed for good, naming every attempt. */
export function finalError(attempts: { attempt: number; workerName: string; outcome: string; reason: string | null }[]): string {
  return attempts.map((a) => `attempt ${a.attempt} on ${a.workerName}: ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`).join('; ');
}
