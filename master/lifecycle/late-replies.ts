// A store call whose reply the lifecycle acts on (a delete, a worker's answer) may time out yet run in Redis later,
// or may have run already: the store tells what it did when it learns it from the job (UnansweredCallError.late).
// What follows the reply then follows it late, as it would have in time, rather than never: the job's event (boards,
// waiting clients, other masters), the worker holding a deleted job told to drop it. Either the call answers or its
// error does: never both, so it follows once.
import type { Logger } from '../log.ts';
import { logStoreError, UnansweredCallError } from '../store/store-errors.ts';

/** Answers `call`'s reply; if it fails unanswered, `follow` gets the reply once the store learns it ran. */
export async function followedEvenLate<T>(call: Promise<T>, follow: (reply: T) => void, log: Logger): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof UnansweredCallError) {
      void (error as UnansweredCallError<T>).late
        .then((reply) => reply !== undefined && follow(reply))
        .catch((failed: unknown) => logStoreError(log, failed, 'could not follow up a store call answered late'));
    }
    throw error;
  }
}
