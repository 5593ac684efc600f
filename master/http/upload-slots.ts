// Uploads in flight, in all and per client address, and the bytes they may
// bring: an upload holds a connection and its files on disk (master/http/upload.ts)
// until its body has arrived and been checked, so these caps are what bound
// the connections, disk and work uploads can take. Each upload
// says its size up front (Content-Length, as browsers, curl and fetch do), so
// one that would not fit is refused before a byte of it is read.
import type { RequestHandler } from 'express';
import { AddressCounts } from './address-counts.ts';
import { requestClient } from './client-address.ts';
import { HttpError } from './errors.ts';
import { holdUntilClosed } from './hold-until-closed.ts';

export interface UploadLimits {
  maxUploadsInFlight: number;
  maxUploadsPerAddress: number;
  /** The largest upload request, all its files and multipart framing together. */
  maxUploadRequestBytes: number;
  /** Bytes of all uploads being received at once. */
  maxUploadBytesInFlight: number;
}

export function uploadSlots(limits: UploadLimits): RequestHandler {
  const inFlight = new AddressCounts();
  let bytesInFlight = 0;
  return (req, res, next) => {
    const address = requestClient(req);
    const declared = req.headers['content-length'];
    if (declared === undefined || !/^\d+$/.test(declared)) {
      throw new HttpError(411, 'length-required', "say the upload's size in a Content-Length header (browsers, curl and fetch do); nothing was stored");
    }
    const bytes = Number(declared);
    if (bytes > limits.maxUploadRequestBytes) {
      throw new HttpError(413, 'request-too-large', `an upload request may be at most ${limits.maxUploadRequestBytes} bytes; send fewer images at once`);
    }
    // A client at its own cap hears so first: that one it can do something about.
    if (inFlight.of(address) >= limits.maxUploadsPerAddress) {
      throw new HttpError(429, 'too-many-uploads-from-address', `at most ${limits.maxUploadsPerAddress} uploads at once from one address; nothing was stored`, {
        'Retry-After': '2',
      });
    }
    if (inFlight.total >= limits.maxUploadsInFlight || bytesInFlight + bytes > limits.maxUploadBytesInFlight) {
      throw new HttpError(503, 'too-many-uploads', 'the master is taking as many uploads as it can just now; nothing was stored, try again shortly', {
        'Retry-After': '2',
      });
    }
    const held = holdUntilClosed(
      res,
      () => {
        inFlight.take(address);
        bytesInFlight += bytes;
      },
      () => {
        inFlight.release(address);
        bytesInFlight -= bytes;
      },
    );
    // A client that has gone is owed nothing.
    if (held) next();
  };
}
