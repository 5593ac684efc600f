// Requests per client address (address-limiter.ts: one allowance per client across masters sharing Redis; an IPv6
// client by its /64, client-address.ts): API requests, and worker sockets opened, which cost a hello's checks and
// store writes each, from one allowance. Probes and /metrics are not counted: they must answer whatever a client does.
import type { RequestHandler } from 'express';
import { addressLimiter, type AddressLimiter, type SharedCounts } from './address-limiter.ts';
import { requestClient } from './client-address.ts';
import { HttpError } from './errors.ts';

export interface RequestRateLimits {
  /** Requests one address may make in a window... */
  apiRequestsPerWindow: number;
  /** ...of this length. */
  apiRateWindowMs: number;
  /** Addresses counted apart in a window (counted-addresses.ts). */
  maxCountedAddresses: number;
}

export class RequestRate {
  private readonly limiter: AddressLimiter;

  constructor(
    private readonly limits: RequestRateLimits,
    shared?: SharedCounts,
  ) {
    this.limiter = addressLimiter(limits.apiRequestsPerWindow, limits.apiRateWindowMs, limits.maxCountedAddresses, 'rate', shared);
  }

  /** Counts one request from `address`: null within its allowance, else the 429 to answer. */
  async count(address: string): Promise<HttpError | null> {
    const seconds = await this.limiter.take(address);
    if (seconds === null) return null;
    const { apiRequestsPerWindow, apiRateWindowMs } = this.limits;
    const message = `more than ${apiRequestsPerWindow} requests in ${apiRateWindowMs / 1000} s from your address; try again in ${seconds} s`;
    return new HttpError(429, 'too-many-requests', message, { 'Retry-After': String(seconds) });
  }

  /** Express middleware: each request counted, one past the allowance refused. */
  readonly guard: RequestHandler = async (req, _res, next) => {
    const refused = await this.count(requestClient(req));
    if (refused) throw refused;
    next();
  };
}
