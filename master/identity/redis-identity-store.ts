// Identities in Redis, for masters that share one: a secret key (SET NX, so masters started together
// agree on the first one written), a set of revoked ids, and one hash of trust records (fields
// `<id>:passed`, `<id>:failed`, `<id>:blacklisted` = the reason). The keys share one hash tag, so the
// scripts that touch two of them run on Cluster too.
import type { RedisClient } from '../store/redis/lua-scripts.ts';
import { LuaScript } from '../store/redis/lua-scripts.ts';
import { closeRedis, connectRedis, reachRedis, type RedisTarget } from '../store/redis/redis-connection.ts';
import { trustRecordOf, type IdentityStore, type TrustRecord } from './identity-store.ts';

/** The keys, one hash tag of their own: the secret (a string), the revoked ids (a set) and the trust records (a hash). */
export const identityKeys = (prefix: string) => ({
  secret: `${prefix}{identities}:secret`,
  revoked: `${prefix}{identities}:revoked`,
  trust: `${prefix}{identities}:trust`,
});

const trustFields = (workerId: string) => [`${workerId}:passed`, `${workerId}:failed`, `${workerId}:blacklisted`];

/** KEYS: trust. ARGV: worker id, "passed" or "failed". Counts the check and returns the record after it. */
const recordSpotCheckScript = new LuaScript(`
redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 1)
return redis.call('HMGET', KEYS[1], ARGV[1] .. ':passed', ARGV[1] .. ':failed', ARGV[1] .. ':blacklisted')
`);

/** KEYS: trust, revoked. ARGV: worker id, reason. The first reason stays; the id is revoked in the same step. */
const blacklistScript = new LuaScript(`
redis.call('HSETNX', KEYS[1], ARGV[1] .. ':blacklisted', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
`);

const recordOf = ([passed, failed, reason]: (string | null)[]): TrustRecord => trustRecordOf(Number(passed ?? 0), Number(failed ?? 0), reason ?? null);

export class RedisIdentityStore implements IdentityStore {
  private readonly secretKey: string;
  private readonly revokedKey: string;
  private readonly trustKey: string;

  static async connect(target: RedisTarget, keyPrefix: string, commandTimeoutMs = 5_000): Promise<RedisIdentityStore> {
    return new RedisIdentityStore(await connectRedis(target, commandTimeoutMs), keyPrefix);
  }

  private constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    ({ secret: this.secretKey, revoked: this.revokedKey, trust: this.trustKey } = identityKeys(prefix));
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

  async recordSpotCheck(workerId: string, passed: boolean): Promise<TrustRecord> {
    const stored = await reachRedis(() => recordSpotCheckScript.run(this.redis, [this.trustKey], [workerId, passed ? 'passed' : 'failed']));
    return recordOf(stored as (string | null)[]);
  }

  async trustRecord(workerId: string): Promise<TrustRecord> {
    return recordOf(await reachRedis(() => this.redis.hmget(this.trustKey, ...trustFields(workerId))));
  }

  async blacklist(workerId: string, reason: string): Promise<void> {
    await reachRedis(() => blacklistScript.run(this.redis, [this.trustKey, this.revokedKey], [workerId, reason]));
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
