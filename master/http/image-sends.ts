// Images being sent (GET /api/jobs/:id/image). Each is held in memory whole until its client has taken it (both
// stores hand back the bytes), so the bytes of all images being read and sent at once are capped
// (MAX_IMAGE_BYTES_IN_FLIGHT): a response takes its image's size (known from the job) before the image is read,
// and one that would pass the cap gets 503 and Retry-After, so a crowd of requests cannot read more than the cap
// either. One client address holds at most MAX_IMAGE_BYTES_PER_ADDRESS of it (past it 429), so one address cannot take
// the whole budget from everyone else. The bytes go back when the response closes, sent or cut off, and the image's
// read has ended (master/http/jobs-router.ts). The body is written a chunk at a time, each when the socket has taken
// the last, and a response that takes nothing for IMAGE_SEND_STALL_MS is cut off, so a client that never reads cannot
// hold its share for ever.
import type { Response } from 'express';
import { AddressCounts } from './address-counts.ts';
import { HttpError } from './errors.ts';
import { holdUntilClosed } from './hold-until-closed.ts';

export interface ImageSendLimits {
  /** Bytes of all images being read and sent at once. */
  maxImageBytesInFlight: number;
  /** Bytes of the images being sent at once to one client address (IPv6: its /64). */
  maxImageBytesPerAddress: number;
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

const addressBusy = (max: number) =>
  new HttpError(
    429,
    'too-many-image-bytes-from-address',
    `this address is being sent as many image bytes as one address may be at once (${max}); try again shortly`,
    { 'Retry-After': '2' },
  );

export class ImageSends {
  private readonly held = new AddressCounts();

  constructor(private readonly limits: ImageSendLimits) {}

  /** Bytes taken by the images being read and sent now. */
  get bytesInFlight(): number {
    return this.held.total;
  }

  /**
   * Takes `size` bytes for `res`, sent to `address`, until it closes, answered or cut off; 429 if they would pass the
   * address's share, 503 if they would pass the budget.
   */
  reserve(res: Response, size: number, address: string): ImageSend {
    let mine = 0;
    const take = (bytes: number) => {
      const more = bytes - mine;
      if (more > 0) {
        // A client at its own cap hears so first: that one it can do something about.
        if (this.held.of(address) + more > this.limits.maxImageBytesPerAddress) throw addressBusy(this.limits.maxImageBytesPerAddress);
        if (this.held.total + more > this.limits.maxImageBytesInFlight) throw busy();
        this.held.take(address, more);
      } else if (more < 0) this.held.release(address, -more);
      mine = bytes;
    };
    const release = () => take(0);
    // A client that left while the request waited on the store holds nothing and is sent nothing.
    if (!holdUntilClosed(res, () => take(size), release)) return { send: () => {} };
    return {
      send: (bytes) => {
        // A client that went away while its image was read is owed nothing; its share goes back once the read has
        // ended (release, which may run just after this).
        if (res.destroyed) return;
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
