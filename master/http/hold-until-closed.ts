// Something a request holds until its response closes: an upload slot, an event stream's place, an image's bytes.
// The request may have waited on the store (a Redis round trip) while its client left; a response that has closed
// emits 'close' no more, so a hold taken then would never be given back. Work a request has begun that nothing can
// stop (an image's decode, a file's read) keeps the hold past a hang-up until it ends: else a client that hangs up
// and asks again, over and over, would start more such work than the hold allows.
import type { ServerResponse } from 'node:http';

/** The unstoppable work each response's holds wait for. */
const unstoppable = new WeakMap<ServerResponse, Promise<unknown>>();

/**
 * Takes the hold and gives it back once the response has closed and the work registered with holdWhile has ended;
 * false, taking nothing, when it has closed or been cut off already.
 */
export function holdUntilClosed(res: ServerResponse, take: () => void, release: () => void): boolean {
  if (res.destroyed) return false;
  take();
  // 'close' comes once, whether the answer was sent or the client went away.
  res.once('close', () => {
    const work = unstoppable.get(res);
    if (work) void work.then(release, release);
    else release();
  });
  return true;
}

/** Keeps what `res` holds until `work` has ended too, even if its client leaves before; returns `work`. */
export function holdWhile<T>(res: ServerResponse, work: Promise<T>): Promise<T> {
  const before = unstoppable.get(res);
  unstoppable.set(res, before ? Promise.allSettled([before, work]) : work);
  return work;
}
