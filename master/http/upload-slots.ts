// Uploads in flight, in all and per client address: each holds memory and a
// connection until its body has arrived, so their number is what bounds both.
import type { RequestHandler } from 'express';
import { AddressCounts } from './address-counts.ts';
import { HttpError } from './errors.ts';

export interface UploadLimits {
  maxUploadsInFlight: number;
  maxUploadsPerAddress: number;
}

export function uploadSlots(limits: UploadLimits): RequestHandler {
  const inFlight = new AddressCounts();
  return (req, res, next) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    // A client at its own cap hears so first: that one it can do something about.
    if (inFlight.of(address) >= limits.maxUploadsPerAddress) {
      throw new HttpError(429, 'too-many-uploads-from-address', `at most ${limits.maxUploadsPerAddress} uploads at once from one address; nothing was stored`, { 'Retry-After': '2' });
    }
    if (inFlight.total >= limits.maxUploadsInFlight) {
      throw new HttpError(503, 'too-many-uploads', 'the master is taking as many uploads as it can just now; nothing was stored, try again shortly', { 'Retry-After': '2' });
    }
    inFlight.take(address);
    // 'close' comes once, whether the answer was sent or the client went away.
    res.once('close', () => inFlight.release(address));
    next();
  };
}
