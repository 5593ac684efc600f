// A count per client address over a fixed window, with rate-limiter-flexible: in memory on one master, in Redis
// when masters share it (so spreading over them does not multiply an allowance), and in memory again while Redis
// is away. Used for API requests (request-rate.ts) and new worker identities (identity/new-identity-rate.ts).
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisClient } from '../store/redis/lua-scripts.ts';

export interface SharedCounts {
  redis: RedisClient;
  keyPrefix: string;
}

/** `points` per address in each window of `windowMs`; `name` keeps this count's Redis keys apart from others'. */
export function addressLimiter(points: number, windowMs: number, name: string, shared?: SharedCounts): RateLimiterAbstract {
  const options = { points, duration: windowMs / 1000 };
  return shared
    ? new RateLimiterRedis({ ...options, storeClient: shared.redis, keyPrefix: `${shared.keyPrefix}${name}`, insuranceLimiter: new RateLimiterMemory(options) })
    : new RateLimiterMemory(options);
}
