// Identities in Redis, for masters that share one: a secret key (SET NX, so masters started together
// agree on the first one written), a set of revoked ids, one hash of trust records (fields
// `<id>:passed`, `<id>:failed`, `<id>:judged`, `<id>:outvoted`, `<id>:blacklisted` = the reason), one of how long
// saboteurs lasted (trust/survival.ts; fields `reached:<k>`, `caught:<k>`), the answers judged: a sorted set of
// "<job id> <id>" by when last judged, and a set of those the newest result went against, one hash of the
// blacklistings whose backtracking is owed (`<id>` = the latest mark), and a sorted set of ids by when last seen, for
// forgetting idle ones. The keys share one hash tag, so the scripts that touch several of them run on Cluster too.
import { randomUUID } from 'node:crypto';
import { LuaScript, slicedScript, type RedisClient } from '../store/redis/lua-scripts.ts';
import { closeRedis, connectRedis, DEFAULT_COMMAND_TIMEOUT_MS, reachRedis, type RedisTarget } from '../store/redis/redis-connection.ts';
import { afterBlacklisting, afterSpotCheck, survivalOf, type SurvivalCounts, type SurvivalField } from '../trust/survival.ts';
import { trustRecordOf, type Blacklisting, type IdentityStore, type OwedBacktrack, type TrustRecord } from './identity-store.ts';

/** The keys, one hash tag of their own: the secret (a string), the revoked ids (a set), the trust records, the survival counts and the owed backtracking (hashes). */
export const identityKeys = (prefix: string) => ({
  secret: `${prefix}{identities}:secret`,
  revoked: `${prefix}{identities}:revoked`,
  trust: `${prefix}{identities}:trust`,
  survival: `${prefix}{identities}:survival`,
  judged: `${prefix}{identities}:judged`,
  judgedOutvoted: `${prefix}{identities}:judged-outvoted`,
  backtracks: `${prefix}{identities}:backtracks`,
  seen: `${prefix}{identities}:seen`,
  /** Set once the ids of a store from before sightings were added to `seen`. */
  seenIndexed: `${prefix}{identities}:seen-indexed`,
});

/** How many ids one step of the sightings' first indexing adds. */
const SEEN_INDEX_BATCH = 1_000;

const FIELDS = ['passed', 'failed', 'judged', 'outvoted', 'blacklisted'] as const;
const trustFields = (workerId: string) => FIELDS.map((field) => `${workerId}:${field}`);

/** A record written for an identity never seen (revoked by the operator, say) gets a sighting, so it is forgotten in time. */
const SIGHTED = (seenKey: string, idArg: string, nowArg: string) => `redis.call('ZADD', ${seenKey}, 'NX', ${nowArg}, ${idArg})`;

/**
 * KEYS: trust, seen. ARGV: worker id, now (ms), then the counts to add one to, unless the identity is blacklisted.
 * Returns the record after it (the fields of FIELDS).
 */
const countScript = new LuaScript(`
${SIGHTED('KEYS[2]', 'ARGV[1]', 'ARGV[2]')}
if redis.call('HEXISTS', KEYS[1], ARGV[1] .. ':blacklisted') == 0 then
  for i = 3, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':' .. ARGV[i], 1) end
end
return redis.call('HMGET', KEYS[1], ${FIELDS.map((field) => `ARGV[1] .. ':${field}'`).join(', ')})
`);

/**
 * KEYS: trust, judged, judged-outvoted, seen. ARGV: worker id, job id, outvoted (1 or 0), now (ms). Counts the answer judged
 * once per (job, identity); judged again (the job verified again), only whether the newest result went against it
 * changes. Returns the record after it (the fields of FIELDS).
 */
const judgeScript = new LuaScript(`
${SIGHTED('KEYS[4]', 'ARGV[1]', 'ARGV[4]')}
local pair = ARGV[2] .. ' ' .. ARGV[1]
local known = redis.call('ZSCORE', KEYS[2], pair)
redis.call('ZADD', KEYS[2], 'GT', ARGV[4], pair)
if not known then redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':judged', 1) end
if ARGV[3] == '1' then
  if redis.call('SADD', KEYS[3], pair) == 1 then redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':outvoted', 1) end
elseif redis.call('SREM', KEYS[3], pair) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':outvoted', -1)
end
return redis.call('HMGET', KEYS[1], ${FIELDS.map((field) => `ARGV[1] .. ':${field}'`).join(', ')})
`);

/** KEYS: judged, judged-outvoted. ARGV: judged by (ms), batch size. Forgets at most a batch of pairs last judged by then, oldest first. */
const forgetJudgedScript = slicedScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
call_in_slices('ZREM', KEYS[1], due)
call_in_slices('SREM', KEYS[2], due)
return #due
`);

/**
 * KEYS: trust, revoked, backtracks, seen. ARGV: worker id, reason, mark, now (ms). The first reason stays; the id is
 * revoked, and its backtracking owed under the mark, in the same step.
 * Returns 1 if it was not blacklisted before, and its spot checks passed and failed.
 */
const blacklistScript = new LuaScript(`
local first = redis.call('HSETNX', KEYS[1], ARGV[1] .. ':blacklisted', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
${SIGHTED('KEYS[4]', 'ARGV[1]', 'ARGV[4]')}
return { first, redis.call('HGET', KEYS[1], ARGV[1] .. ':passed'), redis.call('HGET', KEYS[1], ARGV[1] .. ':failed') }
`);

/** KEYS: revoked, seen. ARGV: worker id, now (ms). */
const revokeScript = new LuaScript(`
redis.call('SADD', KEYS[1], ARGV[1])
${SIGHTED('KEYS[2]', 'ARGV[1]', 'ARGV[2]')}
`);

/** KEYS: seen, trust, revoked. ARGV: seen by (ms), batch size. Forgets at most a batch of identities last seen by then, oldest first; returns their ids. */
const forgetIdleScript = new LuaScript(`
local idle = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(idle) do
  redis.call('HDEL', KEYS[2], ${FIELDS.map((field) => `id .. ':${field}'`).join(', ')})
  redis.call('SREM', KEYS[3], id)
  redis.call('ZREM', KEYS[1], id)
end
return idle
`);

/** KEYS: backtracks. ARGV: worker id, mark. Clears the owed backtracking only if no later blacklist call owed it anew. */
const backtrackedScript = new LuaScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
`);

const recordOf = ([passed, failed, judged, outvoted, reason]: (string | null)[]): TrustRecord =>
  trustRecordOf(
    {
      spotChecksPassed: Number(passed ?? 0),
      spotChecksFailed: Number(failed ?? 0),
      answersJudged: Number(judged ?? 0),
      answersOutvoted: Number(outvoted ?? 0),
    },
    reason ?? null,
  );

export class RedisIdentityStore implements IdentityStore {
  private readonly secretKey: string;
  private readonly revokedKey: string;
  private readonly trustKey: string;
  private readonly survivalKey: string;
  private readonly judgedKeys: string[];
  private readonly backtracksKey: string;
  private readonly seenKey: string;
  private readonly seenIndexedKey: string;

  static async connect(target: RedisTarget, keyPrefix: string, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<RedisIdentityStore> {
    const store = new RedisIdentityStore(await connectRedis(target, commandTimeoutMs), keyPrefix);
    try {
      await store.indexSeen();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  private constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    const keys = identityKeys(prefix);
    ({
      secret: this.secretKey,
      revoked: this.revokedKey,
      trust: this.trustKey,
      survival: this.survivalKey,
      backtracks: this.backtracksKey,
      seen: this.seenKey,
      seenIndexed: this.seenIndexedKey,
    } = keys);
    this.judgedKeys = [keys.judged, keys.judgedOutvoted];
  }

  async secretOr(candidate: string): Promise<string> {
    await reachRedis(() => this.redis.set(this.secretKey, candidate, 'NX'));
    return (await reachRedis(() => this.redis.get(this.secretKey)))!;
  }

  async isRevoked(workerId: string): Promise<boolean> {
    return (await reachRedis(() => this.redis.sismember(this.revokedKey, workerId))) === 1;
  }

  async revoke(workerId: string): Promise<void> {
    await reachRedis(() => revokeScript.run(this.redis, [this.revokedKey, this.seenKey], [workerId, Date.now()]));
  }

  async seen(workerId: string, at = Date.now()): Promise<void> {
    await reachRedis(() => this.redis.zadd(this.seenKey, 'GT', at, workerId));
  }

  async forgetIdle(seenBy: number, limit: number): Promise<string[]> {
    return (await reachRedis(() => forgetIdleScript.run(this.redis, [this.seenKey, this.trustKey, this.revokedKey], [seenBy, limit]))) as string[];
  }

  /**
   * A store from before sightings: every revoked id and every id with a trust record counts as seen now, so it is
   * forgotten one max age on (ZADD NX: a sighting since is kept). Once, marked done in `seen-indexed`.
   */
  private async indexSeen(): Promise<void> {
    if (await reachRedis(() => this.redis.exists(this.seenIndexedKey))) return;
    const now = Date.now();
    const add = (ids: string[]) => (ids.length ? reachRedis(() => this.redis.zadd(this.seenKey, 'NX', ...ids.flatMap((id) => [now, id]))) : null);
    for (let cursor = '0'; ;) {
      const [next, ids] = await reachRedis(() => this.redis.sscan(this.revokedKey, cursor, 'COUNT', SEEN_INDEX_BATCH));
      await add(ids);
      if ((cursor = next) === '0') break;
    }
    for (let cursor = '0'; ;) {
      const [next, fieldsAndValues] = await reachRedis(() => this.redis.hscan(this.trustKey, cursor, 'COUNT', SEEN_INDEX_BATCH));
      const fields = fieldsAndValues.filter((_, i) => i % 2 === 0);
      await add([...new Set(fields.map((field) => field.slice(0, field.lastIndexOf(':'))))]);
      if ((cursor = next) === '0') break;
    }
    await reachRedis(() => this.redis.set(this.seenIndexedKey, '1'));
  }

  async recordSpotCheck(workerId: string, passed: boolean): Promise<TrustRecord> {
    const record = await this.count(workerId, [passed ? 'passed' : 'failed']);
    // Each record after a count is reached once (HINCRBY is atomic), so each bump is counted once across masters.
    if (!record.blacklisted) await this.countSurvival(afterSpotCheck(record, passed));
    return record;
  }

  async recordJudgedAnswer(workerId: string, jobId: string, outvoted: boolean, at = Date.now()): Promise<TrustRecord> {
    const args = [workerId, jobId, outvoted ? 1 : 0, at];
    return recordOf((await reachRedis(() => judgeScript.run(this.redis, [this.trustKey, ...this.judgedKeys, this.seenKey], args))) as (string | null)[]);
  }

  async forgetJudged(judgedBy: number, limit: number): Promise<number> {
    return (await reachRedis(() => forgetJudgedScript.run(this.redis, this.judgedKeys, [judgedBy, limit]))) as number;
  }

  private async count(workerId: string, fields: (typeof FIELDS)[number][]): Promise<TrustRecord> {
    return recordOf(
      (await reachRedis(() => countScript.run(this.redis, [this.trustKey, this.seenKey], [workerId, Date.now(), ...fields]))) as (string | null)[],
    );
  }

  async trustRecord(workerId: string): Promise<TrustRecord> {
    return recordOf(await reachRedis(() => this.redis.hmget(this.trustKey, ...trustFields(workerId))));
  }

  async blacklist(workerId: string, reason: string): Promise<Blacklisting> {
    const mark = randomUUID();
    const keys = [this.trustKey, this.revokedKey, this.backtracksKey, this.seenKey];
    const [first, passed, failed] = (await reachRedis(() => blacklistScript.run(this.redis, keys, [workerId, reason, mark, Date.now()]))) as [
      number,
      string | null,
      string | null,
    ];
    if (first !== 1) return { first: false, mark };
    await this.countSurvival(afterBlacklisting({ spotChecksPassed: Number(passed ?? 0), spotChecksFailed: Number(failed ?? 0) }));
    return { first: true, mark };
  }

  async owedBacktracks(): Promise<OwedBacktrack[]> {
    const owed = Object.entries(await reachRedis(() => this.redis.hgetall(this.backtracksKey)));
    if (owed.length === 0) return [];
    const reasons = await reachRedis(() => this.redis.hmget(this.trustKey, ...owed.map(([workerId]) => `${workerId}:blacklisted`)));
    return owed.map(([workerId, mark], i) => ({ workerId, reason: reasons[i] ?? 'blacklisted', mark }));
  }

  async backtracked(workerId: string, mark: string): Promise<void> {
    await reachRedis(() => backtrackedScript.run(this.redis, [this.backtracksKey], [workerId, mark]));
  }

  async survival(): Promise<SurvivalCounts> {
    const fields = await reachRedis(() => this.redis.hgetall(this.survivalKey));
    return survivalOf(
      Object.entries(fields).map(([field, count]) => {
        const [name, bucket] = field.split(':') as [SurvivalField, string];
        return [name, Number(bucket), Number(count)];
      }),
    );
  }

  private async countSurvival(bumps: [SurvivalField, number][]): Promise<void> {
    if (bumps.length === 0) return;
    await reachRedis(() => Promise.all(bumps.map(([field, bucket]) => this.redis.hincrby(this.survivalKey, `${field}:${bucket}`, 1))));
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
