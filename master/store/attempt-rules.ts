// What happens to a job when one of its attempts ends without a result.
// Pure, so every store applies the same rule.
import type { AttemptOutcome } from '../api-types.ts';
import type { Limits } from './job-store.ts';

export type EndedWithoutResult = Extract<AttemptOutcome, 'failed' | 'expired' | 'lost' | 'recovered'>;

export interface AttemptCounts {
  /** Leases so far, this one included. */
  leases: number;
  /** Attempts that ended in failure or expiry before this one. */
  failures: number;
}

/**
 * A worker that vanished (lost) or a master that restarted (recovered) says
 * nothing about the image, so only failures and expiries use up attempts;
 * the lease cap still ends an image that crashes every browser it touches.
 */
export function afterAttempt(
  counts: AttemptCounts,
  outcome: EndedWithoutResult,
  retryable: boolean,
  limits: Pick<Limits, 'maxAttempts' | 'maxLeases'>,
): { status: 'queued' | 'failed'; failures: number } {
  const counted = outcome === 'failed' || outcome === 'expired';
  const failures = counts.failures + (counted ? 1 : 0);
  const final = !retryable || failures >= limits.maxAttempts || counts.leases >= limits.maxLeases;
  return { status: final ? 'failed' : 'queued', failures };
}

/** The reason a job failed for good, naming every attempt. */
export function finalError(attempts: { attempt: number; workerName: string; outcome: string; reason: string | null }[]): string {
  return attempts
    .map((a) => `attempt ${a.attempt} on ${a.workerName}: ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`)
    .join('; ');
}
