// Images being sent (GET /api/jobs/:id/image). Each is held in memory whole until its client has taken it (both
// stores hand back the bytes), so the bytes of all images being read and sent at once are capped
// (MAX_IMAGE_BYTES_IN_FLIGHT): a response takes its image's size (known from the job) before the image is read,
// and one that would pass the cap gets 503 and Retry-After, so a crowd of requests cannot read more than the cap
// either. The bytes go back when the response closes, sent or cut off. The body is written a chunk at a time,
// each when the socket has taken the last, and a response that takes nothing for IMAGE_SEND_STALL_MS is cut off,
// so a client that never reads cannot hold its share for ever.
import type { Response } from 'express';
import { HttpError } from './errors.ts';
import { holdUntilClosed } from './hold-until-closed.ts';

export interface ImageSendLimits {
  /** Bytes of all images being read and sent at once. */
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

/** One response's share of the budget. */
export interface ImageSend {
  /** Sends `bytes` as the body (the other headers set), first taking or giving back what they differ from the share. */
  send(bytes: Uint8Array): void;
}

export class ImageSends {
  private held = 0;

  constructor(private readonly limits: ImageSendLimits) {}

  /** Bytes taken by the images being read and sent now. */
  get bytesInFlight(): number {
    return this.held;
  }

  /** Takes `size` bytes for `res` until it closes, answered or cut off; 503 if they would pass the budget. */
  reserve(res: Response, size: number): ImageSend {
    let mine = 0;
    const take = (bytes: number) => {
      if (bytes > mine && this.held + bytes - mine > this.limits.maxImageBytesInFlight) throw busy();
      this.held += bytes - mine;
      mine = bytes;
    };
    let closed = false;
    const release = () => {
      closed = true;
      take(0);
    };
    // A client that left while the request waited on the store holds nothing and is sent nothing.
    if (!holdUntilClosed(res, () => take(size), release)) return { send: () => {} };
    return {
      send: (bytes) => {
        // A client that went away while its image was read is owed nothing, and holds nothing.
        if (closed) return;
        take(bytes.byteLength);
        this.write(res, bytes);
      },
    };
  }

  private write(res: Response, bytes: Uint8Array): void {
    const stall = setTimeout(() => res.destroy(), this.limits.imageSendStallMs);
    res.once('close', () => clearTimeout(stall));
    res.setHeader('Content-Length', bytes.byteLength);
    let offset = 0;
    const writeMore = () => {
      stall.refresh();
      while (offset < bytes.byteLength) {
        const chunk = bytes.subarray(offset, (offset += CHUNK_BYTES));
        if (!res.write(chunk)) return void res.once('drain', writeMore);
      }
      res.end();
    };
    writeMore();
  }
}
