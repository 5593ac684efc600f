// Identities in Redis, for masters that share one: a secret key (SET NX, so masters started together
// agree on the first one written) and a set of revoked ids. One key per command, so Cluster works too.
import type { RedisClient } from '../store/redis/lua-scripts.ts';
import { closeRedis, connectRedis, reachRedis, type RedisTarget } from '../store/redis/redis-connection.ts';
import type { IdentityStore } from './identity-store.ts';

/** The keys, one hash tag of their own: the secret (a string) and the revoked ids (a set). */
export const identityKeys = (prefix: string) => ({ secret: `${prefix}{identities}:secret`, revoked: `${prefix}{identities}:revoked` });

export class RedisIdentityStore implements IdentityStore {
  private readonly secretKey: string;
  private readonly revokedKey: string;

  static async connect(target: RedisTarget, keyPrefix: string, commandTimeoutMs = 5_000): Promise<RedisIdentityStore> {
    return new RedisIdentityStore(await connectRedis(target, commandTimeoutMs), keyPrefix);
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

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
