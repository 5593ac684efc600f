// Images being sent (GET /api/jobs/:id/image). Each is held in memory whole until its client has taken it (both
// stores hand back the bytes), so the bytes of all images being sent at once are capped
// (MAX_IMAGE_BYTES_IN_FLIGHT: one that would pass it gets 503 and Retry-After), and a response whose client takes
// nothing for IMAGE_SEND_STALL_MS is cut off, so a client that never reads cannot hold its share for ever. The
// bytes are written a chunk at a time, each when the socket has taken the last: that is the progress the stall
// time watches.
import type { Response } from 'express';
import { HttpError } from './errors.ts';

export interface ImageSendLimits {
  /** Bytes of all images being sent at once. */
  maxImageBytesInFlight: number;
  /** A response whose socket takes nothing for this long is destroyed, giving its bytes back. */
  imageSendStallMs: number;
}

/** What is written at a time; the next chunk waits until the socket has taken this one. */
const CHUNK_BYTES = 64 * 1024;

const busy = () =>
  new HttpError(503, 'too-many-image-bytes', 'the master is sending as many images as it can hold at once just now; try again shortly', {
    'Retry-After': '2',
  });

export class ImageSends {
  private held = 0;

  constructor(private readonly limits: ImageSendLimits) {}

  /** Bytes of the images being sent now. */
  get bytesInFlight(): number {
    return this.held;
  }

  /** Refuses (503) while the budget is spent, before an image is read from the store for nothing. */
  checkRoom(): void {
    if (this.held >= this.limits.maxImageBytesInFlight) throw busy();
  }

  /** Sends `bytes` as the body of `res`, whose other headers are set; 503 if they would pass the budget. */
  send(res: Response, bytes: Uint8Array): void {
    const size = bytes.byteLength;
    if (this.held + size > this.limits.maxImageBytesInFlight) throw busy();
    this.held += size;
    const stall = setTimeout(() => res.destroy(), this.limits.imageSendStallMs);
    // 'close' comes once: when the last byte was handed to the socket, or the response was cut off.
    res.once('close', () => {
      clearTimeout(stall);
      this.held -= size;
    });
    res.setHeader('Content-Length', size);
    let offset = 0;
    const writeMore = () => {
      stall.refresh();
      while (offset < size) {
        const chunk = bytes.subarray(offset, (offset += CHUNK_BYTES));
        if (!res.write(chunk)) return void res.once('drain', writeMore);
      }
      res.end();
    };
    writeMore();
  }
}
