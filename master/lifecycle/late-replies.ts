// A store call whose reply the lifecycle acts on (a delete, a worker's answer) may time out yet run in Redis later,
// or may have run already: the store tells what it did when it learns it from the job (UnansweredCallError.late).
// What follows the reply then follows it late, as it would have in time, rather than never: the job's event (boards,
// waiting clients, other masters), the worker holding a deleted job told to drop it. Either the call answers or its
// error does: never both, so it follows once. A worker's answer sent twice makes two calls, whose lookouts both find
// the lease's attempt ended as the answer left it: it is followed once all the same (AnswersFollowedLate).
import type { Logger } from '../log.ts';
import type { LeaseRef } from '../store/job-store.ts';
import { logStoreError, UnansweredCallError } from '../store/store-errors.ts';

/** Answers `call`'s reply; if it fails unanswered, `follow` gets the reply once the store learns it ran. */
export async function followedEvenLate<T>(call: Promise<T>, follow: (reply: T) => void, log: Logger): Promise<T> {
  try {
    return await call;
  } catch (error) {
    whenTold<T>(error, (reply) => void (reply !== undefined && follow(reply)), log);
    throw error;
  }
}

/**
 * Workers' answers followed late, a lease's at most once, though a worker (hostile or buggy) sends its answer again: a
 * store's lookout tells whether the lease's attempt ended as an answer would end it, not which of the calls ended it.
 * Only the answer that ended the worker's hold on the lease (its first) is followed late, so a second one is not
 * (both calls unanswered, or the second after the first was followed in time); and the first's late follow-up is
 * dropped once a second one was followed in time meanwhile (the first's call lost with its connection, never run).
 * A lease is kept here only while its late outcome is awaited: no longer than the store's lookout.
 */
export class AnswersFollowedLate {
  /** Lease ids whose first answer's late outcome is awaited. */
  private readonly awaited = new Set<string>();

  constructor(private readonly log: Logger) {}

  /** followedEvenLate for a worker's answer to `lease`; `held`: the worker held the lease when it answered (its first answer). */
  async call<T>(lease: LeaseRef, held: boolean, call: Promise<T>, follow: (reply: T) => void): Promise<T> {
    if (!held) return call;
    try {
      return await call;
    } catch (error) {
      if (error instanceof UnansweredCallError) {
        this.awaited.add(lease.leaseId);
        whenTold<T>(error, (reply) => void (this.awaited.delete(lease.leaseId) && reply !== undefined && follow(reply)), this.log);
      }
      throw error;
    }
  }

  /** An answer to `lease` was followed: a late follow-up still awaited for it is dropped. */
  followed(lease: LeaseRef): void {
    this.awaited.delete(lease.leaseId);
  }
}

/** If `error` is an unanswered call's, hands `told` what the store learns the call did (undefined: did not run, or could not be told). */
function whenTold<T>(error: unknown, told: (reply: T | undefined) => void, log: Logger): void {
  if (!(error instanceof UnansweredCallError)) return;
  void (error as UnansweredCallError<T>).late
    .then(told)
    .catch((failed: unknown) => logStoreError(log, failed, 'could not follow up a store call answered late'));
}
