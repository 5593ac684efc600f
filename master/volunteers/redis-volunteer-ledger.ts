// The volunteer ledger in Redis, for masters that share a Redis. Every key carries the hash tag
// {volunteers}, so each credit is one Lua script (credited at most once per job, atomically) that also runs on
// Redis Cluster.
import { LuaScript, readLua, slicedScript, type RedisClient } from '../store/redis/lua-scripts.ts';
import { closeRedis, connectRedis, DEFAULT_COMMAND_TIMEOUT_MS, execBatch, reachRedis, type RedisTarget } from '../store/redis/redis-connection.ts';
import {
  sortTallies,
  type Contribution,
  type LeaderboardPage,
  type LedgerTotals,
  type Tally,
  type VolunteerLedger,
  type VolunteerStanding,
} from './volunteer-ledger.ts';

const DIMENSIONS = ['browser', 'backend'] as const;
const recordCredit = new LuaScript(readLua('record-credit'));
const forgetCredited = slicedScript(readLua('forget-credited'));
const forgetNames = new LuaScript(readLua('forget-names'));
/** Volunteer hashes one forget-names script is given: a retention batch may name 100,000. */
const NAMES_PER_SCRIPT = 1_000;

export class RedisVolunteerLedger implements VolunteerLedger {
  private readonly key: {
    /** Sorted set: "job id volunteer id" → when last credited (ms). */
    credited: string;
    /** Sorted set: volunteer id → images. */
    ranking: string;
    /** Hash per volunteer: images, computeMs, name. */
    volunteer: (id: string) => string;
    images: (dimension: string) => string;
    computeMs: (dimension: string) => string;
  };

  static async connect(target: RedisTarget, keyPrefix: string, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Promise<RedisVolunteerLedger> {
    return new RedisVolunteerLedger(await connectRedis(target, commandTimeoutMs), keyPrefix);
  }

  private constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    const base = `${prefix}{volunteers}:`;
    this.key = {
      credited: `${base}credited`,
      ranking: `${base}ranking`,
      volunteer: (id) => `${base}v:${id}`,
      images: (dimension) => `${base}${dimension}:images`,
      computeMs: (dimension) => `${base}${dimension}:computeMs`,
    };
  }

  async record({ jobId, volunteerId, browser, backend, computeMs }: Contribution, at = Date.now()): Promise<boolean> {
    const { credited, ranking, volunteer, images, computeMs: time } = this.key;
    const keys = [credited, ranking, volunteer(volunteerId), images('browser'), time('browser'), images('backend'), time('backend')];
    const added = await reachRedis(() => recordCredit.run(this.redis, keys, [jobId, volunteerId, at, browser, backend, computeMs]));
    return added === 1;
  }

  async forgetCredited(rememberedBy: number, limit: number): Promise<number> {
    return (await reachRedis(() => forgetCredited.run(this.redis, [this.key.credited], [rememberedBy, limit]))) as number;
  }

  async forgetNames(volunteerIds: readonly string[]): Promise<void> {
    for (let start = 0; start < volunteerIds.length; start += NAMES_PER_SCRIPT) {
      const keys = volunteerIds.slice(start, start + NAMES_PER_SCRIPT).map(this.key.volunteer);
      await reachRedis(() => forgetNames.run(this.redis, keys, []));
    }
  }

  async setDisplayName(volunteerId: string, displayName: string | null): Promise<void> {
    const key = this.key.volunteer(volunteerId);
    await reachRedis(() => (displayName === null ? this.redis.hdel(key, 'name') : this.redis.hset(key, 'name', displayName)));
  }

  async standing(volunteerId: string): Promise<VolunteerStanding | null> {
    const [images, computeMs, name] = await reachRedis<(string | null)[]>(() =>
      this.redis.hmget(this.key.volunteer(volunteerId), 'images', 'computeMs', 'name'),
    );
    if (!images || Number(images) === 0) return null;
    const ahead = await reachRedis<number>(() => this.redis.zcount(this.key.ranking, `(${images}`, '+inf'));
    return { rank: ahead + 1, displayName: name ?? null, images: Number(images), computeMs: Number(computeMs ?? 0) };
  }

  async leaderboard(offset: number, limit: number): Promise<LeaderboardPage> {
    const [total, ids] = (await execBatch(
      this.redis
        .multi()
        .zcard(this.key.ranking)
        .zrevrange(this.key.ranking, offset, offset + limit - 1),
    )) as [number, string[]];
    if (ids.length === 0) return { total, volunteers: [] };
    const batch = this.redis.multi();
    for (const id of ids) batch.hmget(this.key.volunteer(id), 'images', 'computeMs', 'name');
    const rows = (await execBatch(batch)) as [string | null, string | null, string | null][];
    const ranks = this.redis.multi();
    for (const [images] of rows) ranks.zcount(this.key.ranking, `(${images ?? 0}`, '+inf');
    const ahead = (await execBatch(ranks)) as number[];
    return {
      total,
      volunteers: rows.map(([images, computeMs, name], i) => ({
        rank: ahead[i]! + 1,
        displayName: name ?? null,
        images: Number(images ?? 0),
        computeMs: Number(computeMs ?? 0),
      })),
    };
  }

  async totals(): Promise<LedgerTotals> {
    const batch = this.redis.multi();
    for (const dimension of DIMENSIONS) batch.hgetall(this.key.images(dimension)).hgetall(this.key.computeMs(dimension));
    const [browserImages, browserMs, backendImages, backendMs] = (await execBatch(batch)) as Record<string, string>[];
    const tallies = (images: Record<string, string>, computeMs: Record<string, string>): Tally[] =>
      sortTallies(Object.entries(images).map(([key, count]) => ({ key, images: Number(count), computeMs: Number(computeMs[key] ?? 0) })));
    const byBrowser = tallies(browserImages!, browserMs!);
    return {
      images: byBrowser.reduce((sum, tally) => sum + tally.images, 0),
      computeMs: byBrowser.reduce((sum, tally) => sum + tally.computeMs, 0),
      byBrowser,
      byBackend: tallies(backendImages!, backendMs!),
    };
  }

  close(): Promise<void> {
    return closeRedis(this.redis);
  }
}
