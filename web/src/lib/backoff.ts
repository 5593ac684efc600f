// Reconnect delays shared by the worker socket, the model loader and the board's live feed.
import { backoffDelay as delayFor, type BackoffPolicy } from '../../../common/backoff.ts';

/** 0.5 s doubling up to 10 s, jittered so a fleet that lost the master together does not come back in lockstep. */
export const RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 10_000, jitter: true };

/** Delay before retry number `attempt` (0-based). */
export const backoffDelay = (attempt: number, random?: () => number): number => delayFor(attempt, RECONNECT_BACKOFF, random);

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
