// A count per client address over a fixed window, with rate-limiter-flexible: in memory on one master, in Redis
// when masters share it (so spreading over them does not multiply an allowance), and in memory again while Redis
// is away. Used for API requests (request-rate.ts) and new worker identities (identity/new-identity-rate.ts).
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClient } from '../store/redis/lua-scripts.ts';
import { CountedAddresses } from './counted-addresses.ts';

/**
 * How long a count waits on Redis (at most REDIS_COMMAND_TIMEOUT_MS) before it is kept in memory instead: every API
 * request and socket open waits on its count, so a hung Redis delays each by this, not by a store call's timeout.
 */
export const RATE_COUNT_TIMEOUT_MS = 1_000;

export interface SharedCounts {
  redis: RedisClient;
  keyPrefix: string;
}

export interface AddressLimiter {
  /** Counts one for the address: null within its allowance, else the whole seconds (at least 1) until it has one again. */
  take(address: string): Promise<number | null>;
}

/**
 * `points` per address in each window of `windowMs`, at most `maxAddresses` addresses counted apart
 * (counted-addresses.ts); `name` keeps this count's Redis keys apart from others'.
 */
export function addressLimiter(points: number, windowMs: number, maxAddresses: number, name: string, shared?: SharedCounts): AddressLimiter {
  const options = { points, duration: windowMs / 1000 };
  const limiter = shared
    ? new RateLimiterRedis({ ...options, storeClient: shared.redis, keyPrefix: `${shared.keyPrefix}${name}`, insuranceLimiter: new RateLimiterMemory(options) })
    : new RateLimiterMemory(options);
  const counted = new CountedAddresses(maxAddresses, windowMs);
  return {
    take: async (address) => {
      try {
        await limiter.consume(counted.keyFor(address, Date.now()));
        return null;
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        return Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      }
    },
  };
}
