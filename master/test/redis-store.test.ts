// What only the Redis store promises (its Lua attempt rules: redis-attempt-rules.test.ts): several masters
// share one queue without handing a job out twice or reaping a lease twice; retention's sets follow the jobs,
// and a store from before retention has its ended jobs indexed at connect; and losing Redis fails calls fast,
// then heals by itself once Redis is back; a lease script that timed out but ran late leaves no lease behind.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Cluster, Redis, ReplyError } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobStore, Lease, Limits, WorkerRef } from '../store/job-store.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { reachRedis } from '../store/redis/redis-connection.ts';
import type { LiveEvent } from '../api-types.ts';
import { LiveEvents } from '../events/live-events.ts';
import { RedisEventRelay } from '../events/redis-event-relay.ts';
import { createLogger } from '../log.ts';
import { RedisJobStore } from '../store/redis-job-store.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { freePort } from '../../test/support/free-port.ts';
import { until } from '../../test/support/jobs-client.ts';
import { startRedis, stopRedis } from '../../test/support/redis-server.ts';
import { DEFAULT_TEST_LIMITS, deleteRedisKeys, STORE_KINDS, TEST_REDIS_URL, type OpenedStore } from '../../test/support/stores.ts';
import { LEASE_MS, T0, leaseOne, newJobs } from '../../test/support/store-fixtures.ts';

const REDIS_URL = TEST_REDIS_URL;
const LIMITS: Limits = DEFAULT_TEST_LIMITS;
const worker = (id: string): WorkerRef => ({ id, name: id, backend: 'test', identity: id, workerClass: 'trusted' });
const result = { predictions: [{ index: 1, label: 'x', probability: 1 }], model: 'm', backend: 'b', inferenceMs: 1 };

const admin = new Redis(REDIS_URL);
const silent = createLogger('silent');
afterAll(() => admin.quit());
const stores: RedisJobStore[] = [];
const opened: OpenedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const { dispose } of opened.splice(0)) await dispose();
});

async function connect(url: string, options: { commandTimeoutMs?: number; partitions?: number; firstTurn?: number } = {}) {
  const store = await RedisJobStore.connect({ target: { url }, limits: LIMITS, keyPrefix: `test:${randomUUID()}:`, ...options });
  stores.push(store);
  return store;
}

describe.each(STORE_KINDS.filter((kind) => kind.name !== 'sqlite'))('several masters on one $name', (kind) => {
  beforeAll(() => kind.start());
  afterAll(() => kind.stop());

  /** Two masters sharing one fresh prefix. */
  async function twoMasters() {
    const first = await kind.open();
    opened.push(first);
    return [first.store, await first.openAgain()] as const;
  }

  it('keep every key of a partition under one hash tag, so each script runs on one cluster node', () => {
    const tags = new RedisKeys('test:').all().map((key) => /\{([^}]+)\}/.exec(key)?.[1]);
    expect(new Set(tags)).toEqual(new Set(['q']));
  });

  it('relay job events from one master to the others', async () => {
    const [here, there] = [new LiveEvents(), new LiveEvents()];
    const channel = `test:${randomUUID()}:events`;
    const heard: LiveEvent[] = [];
    const relays = [
      new RedisEventRelay(kind.redisTarget!(), channel, here, () => {}, silent),
      new RedisEventRelay(kind.redisTarget!(), channel, there, (event) => heard.push(event), silent),
    ];
    try {
      // Pub/sub keeps nothing for a subscriber not yet listening: publish until the other side hears.
      await until(() => {
        here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'job-1' });
        return heard.length > 0;
      }, 'the event to cross over');
      expect(heard[0]).toEqual({ type: 'job-deleted', transition: 'cancelled', id: 'job-1' });
    } finally {
      for (const relay of relays) await relay.close();
    }
  });

  it('relay the events of one turn as one message, every event in order', async () => {
    const here = new LiveEvents();
    const channel = `test:${randomUUID()}:events`;
    const heard: LiveEvent[] = [];
    const messages: { events: LiveEvent[] }[] = [];
    const target = kind.redisTarget!();
    const connect = () => ('url' in target ? new Redis(target.url) : new Cluster(target.clusterNodes));
    const [listener, olderMaster] = [connect(), connect()];
    listener.on('message', (_channel: string, raw: string) => messages.push(JSON.parse(raw) as { events: LiveEvent[] }));
    await listener.subscribe(channel);
    const relays = [
      new RedisEventRelay(kind.redisTarget!(), channel, here, () => {}, silent),
      new RedisEventRelay(kind.redisTarget!(), channel, new LiveEvents(), (event) => heard.push(event), silent),
    ];
    try {
      await until(() => {
        here.publish({ type: 'job-deleted', transition: 'cancelled', id: 'warm-up' });
        return heard.length > 0;
      }, 'the relays to hear each other');
      const ids = Array.from({ length: 5 }, (_, i) => `job-${i}`);
      for (const id of ids) here.publish({ type: 'job-deleted', transition: 'cancelled', id });
      // Warm-up messages may still arrive: only what carries the five counts.
      const idsIn = (events: LiveEvent[]) => events.flatMap((event) => (event.type === 'job-deleted' && event.id !== 'warm-up' ? [event.id] : []));
      await until(() => idsIn(heard).length >= 5, 'the five events to cross over');
      expect(idsIn(heard)).toEqual(ids);
      await until(() => messages.some((message) => idsIn(message.events).length > 0), 'the listener to hear them');
      expect(messages.map((message) => idsIn(message.events)).filter((carried) => carried.length > 0)).toEqual([ids]);
      // A master from before batching, during a rolling upgrade, sends one event a message.
      await olderMaster.publish(channel, JSON.stringify({ origin: 'older-master', event: { type: 'job-deleted', transition: 'cancelled', id: 'job-5' } }));
      await until(() => idsIn(heard).length === 6, 'the older master’s event');
    } finally {
      for (const relay of relays) await relay.close();
      listener.disconnect();
      olderMaster.disconnect();
    }
  });

  it('clear a store larger than one batch completely', async () => {
    const [first, second] = await twoMasters();
    const { jobs } = await first.create(newJobs(1_203), T0, 'key');
    const leased = (await second.lease([worker('w')], 1_000, T0)) as [Lease];
    const cleared = await second.clear();
    expect(cleared.ids.sort()).toEqual(jobs.map((job) => job.id).sort());
    expect(cleared.leases).toEqual([{ jobId: leased[0].jobId, leaseId: leased[0].leaseId }]);
    expect(await first.counts()).toEqual({ queued: 0, leased: 0, done: 0, failed: 0 });
    expect((await first.create(newJobs(1), T0, 'key')).replayed).toBe(false);
  });
  it('see each other’s jobs and answer for each other’s leases', async () => {
    const [first, second] = await twoMasters();
    const { jobs } = await first.create(newJobs(2), T0);
    expect(await second.get(jobs[0]!.id)).toEqual(jobs[0]);
    expect((await second.list({ limit: 10 })).jobs.map((job) => job.id)).toEqual(jobs.map((job) => job.id).reverse());
    const [lease] = (await second.lease([worker('w')], 1_000, T0)) as [Lease];
    expect(lease.jobId).toBe(jobs[0]!.id);
    expect((await first.complete(lease, 'w', result, T0 + 1)).applied).toBe(true);
    expect(await second.counts()).toEqual({ queued: 1, leased: 0, done: 1, failed: 0 });
  });

  it('never hand one job to two workers, however many lease at once', async () => {
    const [first, second] = await twoMasters();
    const jobCount = 300;
    await first.create(newJobs(jobCount), T0);
    const calls = Array.from({ length: 60 }, (_, call) =>
      [first, second].map((master, m) =>
        master.lease(
          [0, 1, 2].map((w) => worker(`m${m}-c${call}-w${w}`)),
          1_000,
          T0,
        ),
      ),
    ).flat();
    const leases = (await Promise.all(calls)).flat().filter((lease): lease is Lease => lease !== null);
    expect(leases).toHaveLength(jobCount);
    expect(new Set(leases.map((lease) => lease.jobId)).size).toBe(jobCount);
    expect(new Set(leases.map((lease) => lease.leaseId)).size).toBe(jobCount);
    expect(leases.every((lease) => lease.attempt === 1)).toBe(true);
    expect(await first.counts()).toEqual({ queued: 0, leased: jobCount, done: 0, failed: 0 });
  });

  it('reap an expired lease once, however many masters reap it at once', async () => {
    const [first, second] = await twoMasters();
    const { jobs } = await first.create(newJobs(50), T0);
    await first.lease(
      jobs.map((_, i) => worker(`w${i}`)),
      100,
      T0,
    );
    const reap = async (master: JobStore) => {
      // No grace: every master takes every lease at its deadline, as the backstop does once the grace is over.
      const expired = await master.expiredLeases(T0 + 100, 0);
      return Promise.all(expired.map((lease) => master.release(lease, 'expired', 'lease expired', T0 + 100)));
    };
    const outcomes = (await Promise.all([reap(first), reap(second), reap(first)])).flat();
    expect(outcomes.filter((outcome) => outcome.applied)).toHaveLength(50);
    for (const { id } of jobs) {
      const detail = (await second.getDetail(id))!;
      expect(detail).toMatchObject({ status: 'queued', attempts: 1 });
      expect(detail.timeline.map((attempt) => attempt.outcome)).toEqual(['expired']);
    }
  });

  it('judge a lease by the clock of the master that made it: one whose clock runs ahead takes no other lease early', async () => {
    const [a, b] = await twoMasters();
    const LEASE = 30_000;
    const AHEAD = LEASE - 1; // B's clock reads AHEAD ms more than A's
    await a.create(newJobs(2), T0);
    const [ofA] = (await a.lease([worker('wa')], LEASE, T0)) as Lease[];
    const [ofB] = (await b.lease([worker('wb')], LEASE, T0 + AHEAD)) as Lease[];
    const ref = ({ jobId, leaseId }: Lease) => ({ jobId, leaseId });
    // 1 ms before A's deadline on A's clock: before, B took A's lease here (an expired attempt, the answer refused).
    expect(await b.expiredLeases(T0 + LEASE - 1 + AHEAD, LEASE)).toEqual([]);
    // A reaps its own at its deadline, on its clock; B its own on its own clock.
    expect(await a.expiredLeases(T0 + LEASE, LEASE)).toEqual([ref(ofA!)]);
    expect(await b.expiredLeases(T0 + AHEAD + LEASE, LEASE)).toEqual([ref(ofB!)]);
    // The backstop: a lease past its deadline by a whole lease more is anyone's (its master may be gone unnoticed).
    expect(await a.expiredLeases(T0 + AHEAD + 2 * LEASE, LEASE)).toEqual(expect.arrayContaining([ref(ofA!), ref(ofB!)]));
    expect(await b.expiredLeases(T0 + 2 * LEASE + AHEAD, LEASE)).toEqual(expect.arrayContaining([ref(ofA!), ref(ofB!)]));
  });

  it('believe exactly one of a late result and the reaper racing for the same lease', async () => {
    const [first, second] = await twoMasters();
    const { jobs } = await first.create(newJobs(40), T0);
    const leases = (await first.lease(
      jobs.map((_, i) => worker(`w${i}`)),
      100,
      T0,
    )) as Lease[];
    const outcomes = await Promise.all(
      leases.map(async (lease, i) => {
        const [completed, released] = await Promise.all([
          first.complete(lease, `w${i}`, result, T0 + 100),
          second.release(lease, 'expired', 'lease expired', T0 + 100),
        ]);
        return Number(completed.applied) + Number(released.applied);
      }),
    );
    expect(outcomes.every((applied) => applied === 1)).toBe(true);
  });
});

describe.each(STORE_KINDS.filter((kind) => kind.name !== 'sqlite'))('backtracking on one $name', (kind) => {
  beforeAll(() => kind.start());
  afterAll(() => kind.stop());
  afterEach(() => vi.restoreAllMocks());

  const volunteer = (id: string): WorkerRef => ({ ...worker(id), workerClass: 'volunteer' });
  const resultBy = (state: 'verified' | 'trusted', workerIds: string[]) => ({
    ...result,
    verification: {
      state,
      credibility: state === 'trusted' ? 1 : 0.9995,
      replicas: workerIds.map((workerId) => ({
        workerId,
        workerClass: state === 'trusted' ? ('trusted' as const) : ('volunteer' as const),
        top1: 1,
        agreed: true,
      })),
    },
  });

  it('reopens only a job still holding the result it read, not one reopened and answered by a trusted worker meanwhile', async () => {
    const first = await kind.open();
    opened.push(first);
    const second = await first.openAgain();
    const { jobs } = await first.store.create(newJobs(1), T0);
    const id = jobs[0]!.id;
    await first.store.vote(await leaseOne(first.store, volunteer('liar')), 'liar', result, false, T0);
    await first.store.complete(await leaseOne(first.store, volunteer('other')), 'other', resultBy('verified', ['liar', 'other']), T0);
    const trusted = resultBy('trusted', ['fleet']);
    // Between the first master's read of the jobs "liar" answered and its reopening of them, the second master
    // backtracks on "other" (blacklisted there), and the fleet answers the job again.
    let meanwhile: (() => Promise<void>) | null = async () => {
      await second.reopenAnsweredBy('other', 'other was blacklisted', 'unused');
      await second.complete(await leaseOne(second, worker('fleet')), 'fleet', trusted, T0 + 1);
    };
    for (const client of [Redis.prototype, Cluster.prototype]) {
      const hmget = client.hmget as (...args: unknown[]) => Promise<unknown>;
      vi.spyOn(client, 'hmget').mockImplementation(async function (this: unknown, ...args: unknown[]) {
        const read = await hmget.apply(this, args);
        const step = meanwhile;
        meanwhile = null;
        await step?.();
        return read;
      } as never);
    }
    expect(await first.store.reopenAnsweredBy('liar', 'liar was blacklisted', 'unused')).toEqual({ reopened: [], unverified: [] });
    expect(meanwhile).toBeNull();
    expect(await first.store.get(id)).toMatchObject({ status: 'done', result: trusted, worker: 'fleet' });
  });
});

describe('a lease from a master older than leases naming their master', () => {
  it('is any master’s to reap, but only once past its deadline by the grace for other clocks', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const keys = new RedisKeys(keyPrefix);
    const store = await RedisJobStore.connect({ target: { url: REDIS_URL }, limits: LIMITS, keyPrefix });
    stores.push(store);
    try {
      await store.create(newJobs(1), T0);
      const { jobId, leaseId } = await leaseOne(store, worker('w'), T0);
      const row = JSON.parse((await admin.hget(keys.jobs, jobId))!) as Record<string, unknown>;
      delete row.lease_master;
      await admin.hset(keys.jobs, jobId, JSON.stringify(row));
      expect(await store.expiredLeases(T0 + 2 * LEASE_MS - 1, LEASE_MS)).toEqual([]);
      expect(await store.expiredLeases(T0 + 2 * LEASE_MS, LEASE_MS)).toEqual([{ jobId, leaseId }]);
    } finally {
      await deleteRedisKeys(keyPrefix);
    }
  });
});

describe('retention on Redis', () => {
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
  });

  async function storeAt(keyPrefix = `test:${randomUUID()}:`) {
    if (!prefixes.includes(keyPrefix)) prefixes.push(keyPrefix);
    const store = await RedisJobStore.connect({ target: { url: REDIS_URL }, limits: { ...LIMITS, maxAttempts: 1 }, keyPrefix });
    stores.push(store);
    return { store, keys: new RedisKeys(keyPrefix) };
  }
  const members = (key: string) => admin.zrange(key, 0, -1, 'WITHSCORES');
  const pairs = (...entries: [string, number][]) => entries.sort(([, a], [, b]) => a - b).flatMap(([id, at]) => [id, String(at)]);

  it('keeps its sets to the ended jobs, scored by their end, through every transition', async () => {
    const { store, keys } = await storeAt();
    const ids = (await store.create(newJobs(5), T0)).jobs.map((job) => job.id);
    const leases = (await store.lease(
      [1, 2, 3, 4].map((i) => worker(`w${i}`)),
      1_000,
      T0,
    )) as Lease[];
    await store.complete(leases[0]!, 'w1', result, T0 + 10);
    await store.fail(leases[1]!, 'w2', 'bad', false, T0 + 20);
    await store.complete(leases[2]!, 'w3', result, T0 + 30);
    await store.release(leases[3]!, 'lost', 'tab closed', T0 + 40);
    expect(await members(keys.ended)).toEqual(pairs([ids[0]!, T0 + 10], [ids[1]!, T0 + 20], [ids[2]!, T0 + 30]));
    expect(await members(keys.imagesByEnd)).toEqual(await members(keys.ended));

    await store.retry(ids[1]!);
    await store.remove(ids[2]!);
    await store.expireImages(T0 + 10, T0 + 50, 10);
    expect(await members(keys.ended)).toEqual(pairs([ids[0]!, T0 + 10]));
    expect(await members(keys.imagesByEnd)).toEqual([]);
    expect(await admin.hexists(keys.images, ids[0]!)).toBe(0);
    expect(await admin.hexists(keys.images, ids[3]!)).toBe(1);

    await store.complete(((await store.lease([worker('w5')], 1_000, T0 + 60)) as [Lease])[0], 'w5', result, T0 + 70);
    expect(await members(keys.ended)).toEqual(pairs([ids[0]!, T0 + 10], [ids[1]!, T0 + 70]));
    await store.clear();
    expect([await members(keys.ended), await members(keys.imagesByEnd)]).toEqual([[], []]);
  });

  it('adds the ended jobs of a store written before retention to its sets once, at connect, a batch at a time', async () => {
    const prefix = `test:${randomUUID()}:`;
    const { store, keys } = await storeAt(prefix);
    const ids = (await store.create(newJobs(1_203), T0)).jobs.map((job) => job.id);
    const leases = (await store.lease(
      ids.map((_, i) => worker(`w${i}`)),
      1_000,
      T0,
    )) as Lease[];
    const ended: [string, number][] = [];
    for (const [i, lease] of leases.slice(0, 1_202).entries()) {
      const at = T0 + 1 + (i % 7);
      if (i % 3 === 0) await store.fail(lease, `w${i}`, 'bad', false, at);
      else await store.complete(lease, `w${i}`, result, at);
      ended.push([lease.jobId, at]);
    }
    // As a master from before retention left it.
    await admin.del(keys.ended, keys.imagesByEnd, keys.retentionIndexed);

    const { store: again } = await storeAt(prefix);
    expect((await members(keys.ended)).length).toBe(2 * 1_202);
    expect(await admin.zscore(keys.ended, ended[5]![0])).toBe(String(ended[5]![1]));
    expect(await admin.get(keys.retentionIndexed)).toBe('1');
    expect((await again.expireImages(T0 + 7, T0 + 10, 2_000)).length).toBe(1_202);
    expect(await admin.hexists(keys.images, ids[1_202]!)).toBe(1);
    expect((await again.expireJobs(T0 + 7, 2_000)).length).toBe(1_202);
    expect(await again.counts()).toEqual({ queued: 0, leased: 1, done: 0, failed: 0 });
  });
});

// A stranger's work must cost the store in proportion to it: private jobs queued ahead of a volunteer, or the history
// of every other identity, are never read on its behalf.
describe('when Redis goes away', () => {
  let port: number;
  let server: ChildProcess | null = null;
  beforeAll(async () => {
    port = await freePort();
  });
  afterEach(async () => {
    if (server) await stopRedis(server, 'SIGKILL');
    server = null;
  });

  it('takes a reply saying Redis cannot serve now (a node loading, a cluster down) as unavailable, other replies as errors', async () => {
    for (const reply of ['LOADING Redis is loading the dataset in memory', 'CLUSTERDOWN The cluster is down', 'MASTERDOWN Link with MASTER is down'])
      await expect(reachRedis(() => Promise.reject(new ReplyError(reply)))).rejects.toBeInstanceOf(StoreUnavailableError);
    const wrongType = reachRedis(() => admin.hget(`test:${randomUUID()}:not-a-hash`, 'x').then(() => admin.call('LPUSH', 'x')));
    await expect(wrongType).rejects.toBeInstanceOf(ReplyError);
  });

  it('refuses to start without Redis', async () => {
    const started = Date.now();
    await expect(connect(`redis://127.0.0.1:${port}`)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails calls fast during the outage and works again once Redis is back, without reconnecting by hand', async () => {
    server = await startRedis(port);
    const store = await connect(`redis://127.0.0.1:${port}`);
    const changes: boolean[] = [];
    store.onAvailabilityChange((available) => changes.push(available));
    expect(store.available).toBe(true);
    await store.create(newJobs(1), T0);

    await stopRedis(server, 'SIGKILL');
    server = null;
    await until(() => changes.includes(false), 'store noticed the outage');
    expect(store.available).toBe(false);
    const calls = [
      () => store.create(newJobs(1), T0),
      () => store.lease([worker('w')], 1_000, T0),
      () => store.complete({ jobId: 'j', leaseId: 'l' }, 'w', result, T0),
      () => store.expiredLeases(T0, 0),
      () => store.get('j'),
      () => store.list({ limit: 10 }),
      () => store.counts(),
      () => store.image('j'),
    ];
    for (const call of calls) {
      const started = Date.now();
      await expect(call()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2_000);
    }

    // A fresh Redis: no data and no cached scripts, which the store must load again.
    server = await startRedis(port);
    await until(() => store.available, 'store reconnected', 10_000);
    expect(changes).toEqual([false, true]);
    const { jobs } = await store.create(newJobs(1), T0);
    const [lease] = (await store.lease([worker('w')], 1_000, T0)) as [Lease];
    expect(lease.jobId).toBe(jobs[0]!.id);
    expect((await store.complete(lease, 'w', result, T0 + 1)).applied).toBe(true);
  });

  it('fails calls to a Redis that stopped answering once the command timeout passes', async () => {
    server = await startRedis(port);
    const store = await connect(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 300 });
    server.kill('SIGSTOP');
    try {
      const started = Date.now();
      await expect(store.counts()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      server.kill('SIGCONT');
    }
    await until(async () => (await store.counts().catch(() => null)) !== null, 'Redis answering again');
  });

  it.each([1, 3])('puts back, as lost, what a lease call that timed out leased once Redis ran it late (%i partitions)', async (partitions) => {
    server = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    const store = await connect(url, { commandTimeoutMs: 100, partitions, firstTurn: 0 });
    const own = new Redis(url);
    try {
      // One job a partition, leased and answered, so that the lease script is loaded: a paused call sends only EVALSHA.
      for (let p = 0; p < partitions; p++) await store.create(newJobs(1), T0);
      const warm = (await store.lease([worker('a'), worker('b'), worker('c')].slice(0, partitions), 1_000, T0)) as Lease[];
      for (const lease of warm) await store.complete(lease, lease.job.worker!, result, T0);
      const ids: string[] = [];
      for (let p = 0; p < partitions; p++) ids.push((await store.create(newJobs(1), T0)).jobs[0]!.id);

      const PAUSE_MS = 600;
      for (let round = 0; round < 3; round++) {
        // Redis stalls past the timeout of every partition's lease script, then runs each of them.
        const resumed = Date.now() + PAUSE_MS;
        await own.call('CLIENT', 'PAUSE', PAUSE_MS, 'WRITE');
        await expect(store.lease([worker('w')], 1_000, T0)).rejects.toBeInstanceOf(StoreUnavailableError);
        expect(Date.now()).toBeLessThan(resumed);
        await new Promise((resolve) => setTimeout(resolve, resumed + 200 - Date.now()));
        // The reaper, past every deadline: a lease left behind would end as an expired attempt of "w".
        for (const lease of await store.expiredLeases(T0 + 2_000, 0)) await store.release(lease, 'expired', 'lease expired', T0 + 2_000);
      }

      // No worker ever got these jobs: three expired attempts would have failed each.
      for (const id of ids) {
        const job = (await store.getDetail(id))!;
        expect(job.status).toBe('queued');
        expect(job.timeline.map((attempt) => [attempt.outcome, attempt.reason])).toEqual(
          Array.from({ length: 3 }, () => ['lost', 'the master could not hand the job out (Redis unavailable: Command timed out)']),
        );
      }
    } finally {
      own.disconnect();
    }
  });
});
