// Something a request holds until its response closes: an upload slot, an event stream's place, an image's bytes.
// The request may have waited on the store (a Redis round trip) while its client left; a response that has closed
// emits 'close' no more, so a hold taken then would never be given back.
import type { ServerResponse } from 'node:http';

/** Takes the hold and gives it back once the response closes; false, taking nothing, when it has closed already. */
export function holdUntilClosed(res: ServerResponse, take: () => void, release: () => void): boolean {
  if (res.closed) return false;
  take();
  // 'close' comes once, whether the answer was sent or the client went away.
  res.once('close', release);
  return true;
}
