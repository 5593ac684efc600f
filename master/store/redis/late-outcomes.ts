// A transition whose outcome the master acts on (a delete; a worker's answer, a result or a vote: their events, the
// worker told to drop a deleted job, an answer's judging) may fail on the client as unavailable, the command timeout
// passed or the connection dropped, yet run in Redis when Redis gets to it, or have run already. (Not one the client
// never sent, not connected, nor one Redis refused having run nothing, busy or loading: that fails as unavailable, and
// nothing is asked later; redis-connection.ts, mayHaveRun.) The store then asks
// the job itself, once Redis answers again, whether the call took effect, and tells the caller
// (UnansweredCallError.late), so that it is announced late rather than never. Nothing is written for it: a read
// answered on the call's connection runs after the call (Redis runs one connection's commands in order), and one on a
// new connection after whatever the old one carried, so a read that finds the job as the call did not leave it means
// the call never ran, and never will.
import { StoreUnavailableError, UnansweredCallError } from '../store-errors.ts';
import type { RedisClient } from './lua-scripts.ts';
import { mayHaveRun, reconnectDelay } from './redis-connection.ts';

/**
 * How long after such a call failed the store keeps asking (a read that fails waits a reconnect delay, then another
 * is sent): a minute, well past the stalls and failovers a master rides out (seconds), yet short enough that what
 * waits on the answer (a follow-up held in memory per call, each worker's answer or delete failed meanwhile: bounded
 * by the leases held and the deletes asked in a minute) does not pile up through a long outage. Each read waits at
 * most REDIS_COMMAND_TIMEOUT_MS, so the last answers by then past this. A call not told by then is not announced: its
 * job shows what happened at its boards' next load, and a worker holding a deleted job drops it at its 2 × LEASE_MS
 * fallback.
 */
export const LATE_OUTCOME_LOOKOUT_MS = 60_000;

/**
 * Runs `call`; one that fails unanswered (it may have run, or may yet) throws UnansweredCallError, whose `late` is what
 * `tookEffect` reads once Redis answers: what the call did, or undefined when the job shows it did not run.
 */
export async function toldEvenLate<T>(redis: RedisClient, call: () => Promise<T>, tookEffect: () => Promise<T | undefined>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof StoreUnavailableError) || !mayHaveRun(error)) throw error;
    throw new UnansweredCallError<T>(error, lateOutcome(redis, tookEffect, Date.now() + LATE_OUTCOME_LOOKOUT_MS));
  }
}

/** The first answered read's outcome; undefined once the lookout is over or the store closed (Redis's client ended). */
async function lateOutcome<T>(redis: RedisClient, tookEffect: () => Promise<T | undefined>, until: number): Promise<T | undefined> {
  for (let attempt = 0; redis.status !== 'end'; attempt++) {
    try {
      return await tookEffect();
    } catch (error) {
      // Any other failure (a reply Redis refused) cannot be told either. Never rejects: a caller need not follow it up.
      if (!(error instanceof StoreUnavailableError) || Date.now() >= until) return undefined;
      await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt)).unref());
    }
  }
  return undefined;
}
