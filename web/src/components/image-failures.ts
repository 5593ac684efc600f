import { backoffDelay, type BackoffPolicy } from '../../../common/backoff.ts';

/** An image the browser cannot draw is hidden, leaving an empty tile rather than a broken-image icon. */
export function hideImage(event: Event): void {
  (event.target as HTMLImageElement).hidden = true;
}

/** Asks for a job's image again this many times before its tile stays empty. */
const IMAGE_RETRIES = 4;
/** Up to 2, 4, 8 and 16 s between tries, jittered so a board's tiles do not come back at once. */
const IMAGE_RETRY_BACKOFF: BackoffPolicy = { initialMs: 2_000, maxMs: 16_000, jitter: true };

/**
 * A job's image that did not come is hidden and asked for again, further apart each time: the master answers `503`
 * while too many image bytes are on their way (MAX_IMAGE_BYTES_IN_FLIGHT) or too many requests come from one address,
 * and a board of many thumbnails must not lose them for good. An image that is gone (410, 404) or does not decode
 * fails every try and stays hidden. Pair with `showImage` on load.
 */
export function retryImage(event: Event): void {
  const image = event.target as HTMLImageElement;
  image.hidden = true;
  // A reused element (the board's virtual list) counts the tries of the image it shows now.
  const failed = image.src;
  const tries = image.dataset.triedSrc === failed ? Number(image.dataset.tries) : 0;
  if (tries >= IMAGE_RETRIES) return;
  Object.assign(image.dataset, { triedSrc: failed, tries: String(tries + 1) });
  const wait = backoffDelay(tries, IMAGE_RETRY_BACKOFF);
  // Setting src again, even to the same URL, fetches it again: a failed response is not kept as the image. One that
  // shows another image by then loads that one by itself.
  setTimeout(() => {
    if (image.isConnected && image.src === failed) image.src = failed;
  }, wait);
}

/** An image that came (after a retry, perhaps) is shown. */
export function showImage(event: Event): void {
  (event.target as HTMLImageElement).hidden = false;
}
