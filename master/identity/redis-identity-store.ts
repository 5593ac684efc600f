// Identities in Redis, for masters that share one: a secret key (SET NX, so masters started together
// agree on the first one written) and a set of revoked ids. One key per command, so Cluster works too.
import type { RedisClient } from '../store/redis/lua-scripts.ts';
import { createRedisClient, describeTarget, reachRedis, type RedisTarget } from '../store/redis/redis-connection.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import type { IdentityStore } from './identity-store.ts';

/** The keys, one hash tag of their own: the secret (a string) and the revoked ids (a set). */
export const identityKeys = (prefix: string) => ({ secret: `${prefix}{identities}:secret`, revoked: `${prefix}{identities}:revoked` });

export class RedisIdentityStore implements IdentityStore {
  private readonly secretKey: string;
  private readonly revokedKey: string;

  static async connect(target: RedisTarget, keyPrefix: string, commandTimeoutMs = 5_000): Promise<RedisIdentityStore> {
    const redis = createRedisClient(target, commandTimeoutMs);
    redis.on('error', () => {}); // surfaces as StoreUnavailableError on the next call
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw new StoreUnavailableError(`cannot reach Redis at ${describeTarget(target)}`, { cause: error });
    }
    return new RedisIdentityStore(redis, keyPrefix);
  }

  private constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    ({ secret: this.secretKey, revoked: this.revokedKey } = identityKeys(prefix));
  }

  async secretOr(candidate: string): Promise<string> {
    await reachRedis(() => this.redis.set(this.secretKey, candidate, 'NX'));
    return (await reachRedis(() => this.redis.get(this.secretKey)))!;
  }

  async isRevoked(workerId: string): Promise<boolean> {
    return (await reachRedis(() => this.redis.sismember(this.revokedKey, workerId))) === 1;
  }

  async revoke(workerId: string): Promise<void> {
    await reachRedis(() => this.redis.sadd(this.revokedKey, workerId));
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
