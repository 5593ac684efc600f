// The Redis store's indexes, which keep what an operation costs to what it asks for: a volunteer's lease
// reads no private job queued ahead of it (the open queue), a blacklisting reads only the jobs that identity
// answered (answers by identity); a store written before an index has it filled once, at connect. Costs are
// read off a Redis server of the test's own (its command counts and bytes sent).
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobStore, Lease, WorkerRef } from '../store/job-store.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { RedisJobStore } from '../store/redis-job-store.ts';
import { freePort } from '../../test/support/free-port.ts';
import { startRedis, stopRedis } from '../../test/support/redis-server.ts';
import { leaseOne, newJobs, T0, reopenedBy } from '../../test/support/store-fixtures.ts';
import { DEFAULT_TEST_LIMITS, deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';

const worker = (id: string): WorkerRef => ({ id, name: id, backend: 'test', identity: id, workerClass: 'trusted' });
const result = { predictions: [{ index: 1, label: 'x', probability: 1 }], model: 'm', backend: 'b', inferenceMs: 1 };

const admin = new Redis(TEST_REDIS_URL);
afterAll(() => admin.quit());
const stores: RedisJobStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
/** A store under `keyPrefix` (by default one of its own) at `url`, as a master opens it; closed after the test. */
async function openStore(url: string, keyPrefix = `test:${randomUUID()}:`): Promise<RedisJobStore> {
  const store = await RedisJobStore.connect({ target: { url }, limits: DEFAULT_TEST_LIMITS, keyPrefix });
  stores.push(store);
  return store;
}

describe('indexes that keep costs to what is asked, on Redis', () => {
  const volunteer = (id: string): WorkerRef => ({ id, name: id, backend: 'test', identity: id, workerClass: 'volunteer' });
  const privateJobs = (count: number) => newJobs(count).map((job) => ({ ...job, trustedOnly: true }));
  // A result verified by two volunteers, both agreeing: it leaned on each of them.
  const verified = {
    ...result,
    verification: {
      state: 'verified' as const,
      credibility: 0.9995,
      replicas: ['liar', 'honest'].map((workerId) => ({ workerId, workerClass: 'volunteer' as const, top1: 1, agreed: true })),
    },
  };
  /** A job the identity "liar" voted on and "honest" finished, its result leaning on both. */
  async function leaningOnLiar(store: JobStore): Promise<string> {
    const { jobs } = await store.create(newJobs(1), T0);
    await store.vote(await leaseOne(store, volunteer('liar')), 'liar', result, false, T0);
    await store.complete(await leaseOne(store, volunteer('honest')), 'honest', verified, T0);
    return jobs[0]!.id;
  }

  let server: ChildProcess | null = null;
  let serverAdmin: Redis | null = null;
  const prefixes: string[] = [];
  afterEach(async () => {
    serverAdmin?.disconnect();
    if (server) await stopRedis(server, 'SIGKILL');
    [server, serverAdmin] = [null, null];
    for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
  });
  /** A store on a server of the test's own, whose counters are the test's alone, and a client to read them. */
  async function onOwnServer() {
    const port = await freePort();
    server = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    serverAdmin = new Redis(url);
    return { store: await openStore(url), own: serverAdmin };
  }
  /** A store under `prefix` on the shared server, as a master (re)started on it opens it. */
  async function storeAt(prefix: string) {
    if (!prefixes.includes(prefix)) prefixes.push(prefix);
    return { store: await openStore(TEST_REDIS_URL, prefix), keys: new RedisKeys(prefix) };
  }

  it('lets a volunteer lease without reading the private jobs queued ahead of it', async () => {
    const { store, own } = await onOwnServer();
    await store.create(privateJobs(2_000), T0);
    const { jobs } = await store.create(newJobs(1), T0);
    await own.config('RESETSTAT');
    expect((await leaseOne(store, volunteer('v1'))).jobId).toBe(jobs[0]!.id);
    // Scripts' own commands count too: a lease that walked the private jobs would read each of them (HGET).
    const hgets = Number(/cmdstat_hget:calls=(\d+)/.exec(await own.info('commandstats'))?.[1] ?? 0);
    expect(hgets).toBeLessThan(10);
  });

  /** A volunteer on network `network` (the tag its attempts carry). */
  const onNetwork = (id: string, network: string): WorkerRef => ({ ...volunteer(id), network });

  it("lets a voter's network pass over the jobs it answered reading the job alone, not its attempts", async () => {
    const { store, own } = await onOwnServer();
    await store.create(newJobs(200), T0);
    for (let i = 0; i < 200; i++) await store.vote(await leaseOne(store, onNetwork('voter', 'net-a')), 'voter', result, false, T0);
    await own.config('RESETSTAT');
    expect(await store.lease([onNetwork('sibling', 'net-a')], 1_000, T0)).toEqual([null]);
    // One read a job passed over (its JSON holds its votes' networks); reading each one's attempts too was 400.
    const hgets = Number(/cmdstat_hget:calls=(\d+)/.exec(await own.info('commandstats'))?.[1] ?? 0);
    expect(hgets).toBeLessThan(210);
  });

  it("keeps a job's votes from a network's other identities when its votes were counted before their networks were", async () => {
    const { store, keys } = await storeAt(`test:${randomUUID()}:`);
    const { jobs } = await store.create(newJobs(1), T0);
    const id = jobs[0]!.id;
    await store.vote(await leaseOne(store, onNetwork('voter', 'net-a')), 'voter', result, false, T0);
    // As a master from before the tally stored the job.
    const stored = JSON.parse((await admin.hget(keys.jobs, id))!) as Record<string, unknown>;
    expect(stored.voted_networks).toBe(',net-a,');
    delete stored.voted_networks;
    await admin.hset(keys.jobs, id, JSON.stringify(stored));
    expect(await store.lease([onNetwork('sibling', 'net-a')], 1_000, T0)).toEqual([null]);
    expect((await leaseOne(store, onNetwork('other', 'net-b'))).jobId).toBe(id);
  });

  it('adds the queued jobs of a store written before the open queue to it, private ones aside, once at connect, a batch at a time', async () => {
    const prefix = `test:${randomUUID()}:`;
    const { store, keys } = await storeAt(prefix);
    const ids = (await store.create([...newJobs(1_001), ...privateJobs(2)], T0)).jobs.map((job) => job.id);
    await store.lease([worker('w0')], 1_000, T0);
    // As a master from before the open queue left it.
    await admin.del(keys.openQueue, keys.openQueueIndexed);

    const { store: again } = await storeAt(prefix);
    expect(await admin.zcard(keys.openQueue)).toBe(1_000);
    expect(await admin.zscore(keys.openQueue, ids[1_000]!)).not.toBeNull();
    expect(await admin.zscore(keys.openQueue, ids[1_001]!)).toBeNull();
    expect(await admin.get(keys.openQueueIndexed)).toBe('1');
    expect((await leaseOne(again, volunteer('v1'))).jobId).toBe(ids[1]);
  });

  it('leases no job the open queue still names once it is leased or finished, as a master from before the queue leaves it', async () => {
    const { store, keys } = await storeAt(`test:${randomUUID()}:`);
    const [done, leased, queued] = (await store.create(newJobs(3), T0)).jobs.map((job) => job.id);
    await store.complete(await leaseOne(store, worker('a')), 'a', result, T0);
    await leaseOne(store, worker('b'));
    // A master of the older version leases and finishes jobs without taking them out of the open queue.
    await admin.zadd(keys.openQueue, 0, done!, 0, leased!);

    expect((await leaseOne(store, volunteer('v1'))).jobId).toBe(queued);
    expect(await store.lease([volunteer('v2')], 1_000, T0)).toEqual([null]);
    expect((await store.get(done!))!.status).toBe('done');
    expect((await store.getDetail(leased!))!.timeline.map((attempt) => attempt.outcome)).toEqual(['running']);
    // Let go of, so no later lease reads them again.
    expect(await admin.zrange(keys.openQueue, 0, -1)).toEqual([]);
  });

  it('lets go of such ids without counting them against LEASE_SCAN_LIMIT, also in its last, shorter read', async () => {
    const prefix = `test:${randomUUID()}:`;
    prefixes.push(prefix);
    const store = await RedisJobStore.connect({ target: { url: TEST_REDIS_URL }, limits: { ...DEFAULT_TEST_LIMITS, leaseScanLimit: 3 }, keyPrefix: prefix });
    stores.push(store);
    const ids = (await store.create(newJobs(4), T0)).jobs.map((job) => job.id);
    // v1 answered the two oldest, so it passes over them; the fleet holds the third.
    for (let i = 0; i < 2; i++) await store.vote(await leaseOne(store, volunteer('v1')), 'v1', result, false, T0);
    const fleet = await store.lease([worker('f'), worker('f'), worker('f')], 60_000, T0);
    expect(fleet.map((lease) => lease!.jobId)).toEqual(ids.slice(0, 3));
    for (const lease of fleet.slice(0, 2)) await store.release(lease!, 'lost', 'given back', T0);
    // An older master leaves the third's id in the open queue.
    const keys = new RedisKeys(prefix);
    await admin.zadd(keys.openQueue, (await admin.zscore(keys.order, ids[2]!))!, ids[2]!);

    // Three queued jobs v1 may be asked about are the first, second and fourth: before, the stale id moved the scan
    // past the limit (by the read it asked for, not the one it got), so v1 was given nothing until the next call.
    expect((await leaseOne(store, volunteer('v1'))).jobId).toBe(ids[3]);
  });

  it('takes a job holding a lower MAX_ANSWERS_PER_JOB out of the open queue once a volunteer lease with that limit passes over it', async () => {
    const prefix = `test:${randomUUID()}:`;
    const { store: higher, keys } = await storeAt(prefix);
    const [over, plain] = (await higher.create(newJobs(2), T0)).jobs.map((job) => job.id);
    await higher.vote(await leaseOne(higher, volunteer('v1')), 'v1', result, false, T0);
    // A master beside it with a limit of 1: the first job holds as many answers as it allows.
    const lower = await RedisJobStore.connect({ target: { url: TEST_REDIS_URL }, limits: { ...DEFAULT_TEST_LIMITS, maxAnswersPerJob: 1 }, keyPrefix: prefix });
    stores.push(lower);
    expect((await leaseOne(lower, volunteer('v2'))).jobId).toBe(plain);
    // Trusted-only now, so out of the open queue: before, it stayed there, read at every volunteer lease.
    expect(await admin.zrange(keys.openQueue, 0, -1)).toEqual([]);
    expect(await higher.lease([volunteer('v3')], 1_000, T0)).toEqual([null]);
    expect((await leaseOne(higher, worker('fleet'))).jobId).toBe(over);
  });

  it('reads only the jobs a blacklisted identity answered, not every done job', async () => {
    const { store, own } = await onOwnServer();
    await store.create(newJobs(2_000), T0);
    const leases = (await store.lease(
      Array.from({ length: 2_000 }, (_, i) => worker(`w${i}`)),
      1_000,
      T0,
    )) as Lease[];
    for (const [i, lease] of leases.entries()) await store.complete(lease, `w${i}`, result, T0);
    const id = await leaningOnLiar(store);
    const sent = async () => Number(/total_net_output_bytes:(\d+)/.exec(await own.info('stats'))![1]);
    const before = await sent();
    const { reopened } = await reopenedBy(store, 'liar', 'liar was blacklisted', 'unused');
    expect(reopened.map((job) => job.id)).toEqual([id]);
    // Walking every done job would send all 2,001 of them, some 700 KB.
    expect((await sent()) - before).toBeLessThan(20_000);
  });

  it('adds the done jobs of a store written before the answers index to it once, at connect, and removes them with their job', async () => {
    const prefix = `test:${randomUUID()}:`;
    const { store, keys } = await storeAt(prefix);
    const id = await leaningOnLiar(store);
    // As a master from before the index left it.
    await admin.del(keys.answersByIdentity, keys.answersIndexed);
    expect((await reopenedBy(store, 'liar', 'liar was blacklisted', 'unused')).reopened).toEqual([]);

    const { store: again } = await storeAt(prefix);
    expect(await admin.zrange(keys.answersByIdentity, 0, -1)).toEqual([`honest:${id}`, `liar:${id}`]);
    expect(await admin.get(keys.answersIndexed)).toBe('1');
    expect((await reopenedBy(again, 'liar', 'liar was blacklisted', 'unused')).reopened.map((job) => job.id)).toEqual([id]);
    await again.remove(id);
    expect(await admin.zcard(keys.answersByIdentity)).toBe(0);
  });

  it('takes a retried job’s answers out of the index with its attempts, so that nothing of it is left once it is purged', async () => {
    const { store, keys } = await storeAt(`test:${randomUUID()}:`);
    const id = await leaningOnLiar(store);
    // Reopened when liar is blacklisted, then failed by a trusted worker: failed, its answers still indexed.
    expect((await reopenedBy(store, 'liar', 'liar was blacklisted', 'unused')).reopened.map((job) => job.id)).toEqual([id]);
    expect((await store.fail(await leaseOne(store, worker('fleet'), T0 + 1), 'fleet', 'cannot decode', false, T0 + 2)).applied).toBe(true);
    expect(await admin.zrange(keys.answersByIdentity, 0, -1)).toEqual([`honest:${id}`, `liar:${id}`]);
    // A retry deletes its attempts, and their entries with them.
    expect(await store.retry(id, Date.now())).toMatchObject({ job: { id, status: 'queued' } });
    expect(await admin.zrange(keys.answersByIdentity, 0, -1)).toEqual([]);
    await store.complete(await leaseOne(store, worker('fleet'), T0 + 3), 'fleet', result, T0 + 4);
    expect(await admin.zrange(keys.answersByIdentity, 0, -1)).toEqual([`fleet:${id}`]);
    expect(await store.expireJobs(T0 + 4, 10)).toEqual([id]);
    expect(await admin.zcard(keys.answersByIdentity)).toBe(0);
  });
});
