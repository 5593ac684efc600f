// Requests per client address to the API (address-limiter.ts: one allowance per
// client across masters sharing Redis; an IPv6 client by its /64, client-address.ts). Probes and /metrics are not counted: they
// must answer whatever a client does.
import type { RequestHandler } from 'express';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { addressLimiter, type SharedCounts } from './address-limiter.ts';
import { clientOf } from './client-address.ts';
import { HttpError } from './errors.ts';

export interface RequestRateLimits {
  /** Requests one address may make in a window... */
  apiRequestsPerWindow: number;
  /** ...of this length. */
  apiRateWindowMs: number;
  /** Addresses counted apart in a window (counted-addresses.ts). */
  maxCountedAddresses: number;
}

export function requestRate(limits: RequestRateLimits, shared?: SharedCounts): RequestHandler {
  const limiter = addressLimiter(limits.apiRequestsPerWindow, limits.apiRateWindowMs, limits.maxCountedAddresses, 'rate', shared);
  return async (req, _res, next) => {
    try {
      await limiter.consume(clientOf(req.socket));
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw new HttpError(
        429,
        'too-many-requests',
        `more than ${limits.apiRequestsPerWindow} requests in ${limits.apiRateWindowMs / 1000} s from your address; try again in ${seconds} s`,
        { 'Retry-After': String(seconds) },
      );
    }
    next();
  };
}
