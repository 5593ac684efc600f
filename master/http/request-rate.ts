// Requests per client address to the API, counted with rate-limiter-flexible:
// in memory on one master, in Redis when masters share Redis, so a client
// cannot multiply its allowance by spreading requests over them (and in memory
// again while Redis is away). Probes and /metrics are not counted: they must
// answer whatever a client does.
import type { RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisClient } from '../store/redis/lua-scripts.ts';
import { HttpError } from './errors.ts';

export interface RequestRateLimits {
  /** Requests one address may make in a window... */
  apiRequestsPerWindow: number;
  /** ...of this length. */
  apiRateWindowMs: number;
}

export function requestRate(limits: RequestRateLimits, shared?: { redis: RedisClient; keyPrefix: string }): RequestHandler {
  const options = { points: limits.apiRequestsPerWindow, duration: limits.apiRateWindowMs / 1000 };
  const limiter: RateLimiterAbstract = shared
    ? new RateLimiterRedis({ ...options, storeClient: shared.redis, keyPrefix: `${shared.keyPrefix}rate`, insuranceLimiter: new RateLimiterMemory(options) })
    : new RateLimiterMemory(options);
  return async (req, _res, next) => {
    try {
      await limiter.consume(req.socket.remoteAddress ?? 'unknown');
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
