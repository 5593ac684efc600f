// Masters sharing Redis watch each other (master-watch.ts): a master that stops
// saying it is alive is found silent by the others, which read the leases it
// made — only its own, in every partition — requeue them at once, and forget it.
// On one Redis and on a Redis Cluster with the queue in partitions, then with
// master processes: a kill -9 of one costs MASTER_TIMEOUT_MS, not LEASE_MS.
// A Redis outage longer than MASTER_TIMEOUT_MS lapses every master's key: none
// is taken for dead once Redis is back, and requeueing never holds up a heartbeat.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { MasterWatch } from '../lifecycle/master-watch.ts';
import { createLogger } from '../log.ts';
import type { Lease, LeaseRef, WorkerRef } from '../store/job-store.ts';
import { partitionOf } from '../store/redis/partitions.ts';
import { MAX_RECONNECT_DELAY_MS } from '../store/redis/redis-connection.ts';
import { partitionTag } from '../store/redis/redis-keys.ts';
import { RedisPartition } from '../store/redis/redis-partition.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { RedisJobStore } from '../store/redis-job-store.ts';
import { settled, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { devImages } from '../../test/support/paths.ts';
import { freePort } from '../../test/support/free-port.ts';
import { startRedis, stopRedis } from '../../test/support/redis-server.ts';
import { DEFAULT_TEST_LIMITS, deleteRedisKeys, STORE_KINDS, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { useStoreKind } from '../../test/support/use-store-kind.ts';
import { T0, newJobs } from '../../test/support/store-fixtures.ts';

const worker = (id: string): WorkerRef => ({ id, name: id, backend: 'test', identity: id, workerClass: 'trusted' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(STORE_KINDS.filter((kind) => kind.name !== 'sqlite'))('masters watching each other on $name', (kind) => {
  const open = useStoreKind(kind);

  it('find a master that stopped saying it is alive, read back only its leases, and forget it', async () => {
    const data = await open();
    const [a, b] = [data.store, await data.openAgain()] as [RedisJobStore, RedisJobStore];
    const partitions = kind.partitions ?? 1;
    // One request per partition, so A's leases lie in every one of them.
    for (let i = 0; i < partitions; i++) await a.create(newJobs(4), T0);
    await b.presence.sayAlive(60_000);
    const byA = (await a.lease([worker('a1'), worker('a2')], 60_000, T0)).concat(await a.lease([worker('a3')], 60_000, T0)) as Lease[];
    const byB = (await b.lease([worker('b1')], 60_000, T0)) as Lease[];
    expect(new Set(byA.map((lease) => partitionOf(lease.jobId, partitions))).size).toBe(Math.min(partitions, 2));
    // Said just before it is looked for: the 300 ms do not run out on the leases above on a loaded machine.
    await a.presence.sayAlive(300);
    expect(await b.presence.silentMasters()).toEqual([]);

    await sleep(400);
    expect(await b.presence.silentMasters()).toEqual([a.masterId]);
    const { leases: held, unreached } = await b.presence.leasesHeldBy(a.masterId);
    expect(unreached).toBe(0);
    const ref = ({ jobId, leaseId }: Lease) => ({ jobId, leaseId });
    expect(held.sort((x, y) => x.jobId.localeCompare(y.jobId))).toEqual(byA.map(ref).sort((x, y) => x.jobId.localeCompare(y.jobId)));
    expect((await b.presence.leasesHeldBy(b.masterId)).leases).toEqual(byB.map(ref));
    await b.presence.forgetMaster(a.masterId);
    expect(await b.presence.silentMasters()).toEqual([]);
    // A master that comes back says so again, and is one of the store's masters once more.
    await a.presence.sayAlive(60_000);
    expect(await b.presence.silentMasters()).toEqual([]);
  });
});

describe('a master killed with -9 among masters sharing Redis', () => {
  const masters: MasterProcess[] = [];
  const workers: SyntheticWorker[] = [];
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const w of workers.splice(0)) w.terminate();
    for (const master of masters.splice(0)) await master.stop('SIGKILL');
    for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
  });

  it('has its workers’ jobs requeued by another once it is silent for MASTER_TIMEOUT_MS, long before their leases end', async () => {
    const prefix = `test:${randomUUID()}:`;
    prefixes.push(prefix);
    // Leases of a minute: only the watch can requeue within the test's 20 s.
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LEASE_MS: '60000', MASTER_TIMEOUT_MS: '1000' };
    const [a, b] = [await spawnMaster(env), await spawnMaster(env)];
    masters.push(a, b);
    const ids = await submit(a.url, uploadsFrom(devImages(4).map((image) => image.path)));
    const holder = await SyntheticWorker.connect({ masterUrl: a.url, name: 'worker-of-a', credit: 2 });
    workers.push(holder);
    await until(() => holder.jobs.length === 2, 'A’s worker to hold two jobs');
    await a.stop('SIGKILL');

    const answers = new Map<string, number>();
    const onJob: SyntheticWorkerOptions['onJob'] = (job, w) => {
      answers.set(job.header.jobId, (answers.get(job.header.jobId) ?? 0) + 1);
      w.succeed(job.header);
    };
    workers.push(await SyntheticWorker.connect({ masterUrl: b.url, name: 'worker-of-b', onJob }));
    const jobs = await settled(b.url, ids, 20_000);
    expect(jobs.every((job) => job.status === 'done')).toBe(true);
    expect([...answers.values()].every((count) => count === 1)).toBe(true);
    const requeued = jobs.filter((job) => job.timeline.some((attempt) => attempt.outcome === 'recovered'));
    expect(requeued.map((job) => job.id).sort()).toEqual(holder.jobs.map((job) => job.header.jobId).sort());
    expect(requeued.every((job) => /master \S+ stopped answering/.test(job.timeline[0]!.reason ?? ''))).toBe(true);
  });
});

describe('masters watching each other through a Redis outage', () => {
  const silent = createLogger('silent');
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function openStore(url: string, keyPrefix: string): Promise<RedisJobStore> {
    const store = await RedisJobStore.connect({ target: { url }, limits: DEFAULT_TEST_LIMITS, keyPrefix });
    cleanup.push(() => store.close());
    return store;
  }

  /** A watch whose requeueing is only recorded (or held up `holdMs`), so the leases it would requeue can be checked. */
  /**
   * How long a new watch may take to requeue what a silent master held: it judges others only once heard for
   * MASTER_TIMEOUT_MS and the longest reconnect (master-watch.ts), then at its next beats; room for a loaded machine.
   */
  const firstJudgedWithin = (timeoutMs: number) => timeoutMs + MAX_RECONNECT_DELAY_MS + 10 * timeoutMs;

  function watch(store: RedisJobStore, timeoutMs: number, holdMs = 0, log = silent) {
    const requeued: LeaseRef[] = [];
    const lifecycle = {
      requeueOrphaned: async (leases: LeaseRef[]) => {
        requeued.push(...leases);
        await sleep(holdMs);
        return leases.length;
      },
    };
    const masterWatch = new MasterWatch(store.presence, lifecycle, timeoutMs, log);
    cleanup.push(() => masterWatch.close());
    return { requeued, close: () => masterWatch.close() };
  }

  it('takes no master for dead when Redis was away longer than MASTER_TIMEOUT_MS, and still finds one that stays silent after', async () => {
    const port = await freePort();
    const dir = await mkdtemp(path.join(tmpdir(), 'master-outage-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    // Kept on disk, so the restarted Redis has the leases back, and the alive keys with the deadlines they had.
    let server: ChildProcess = await startRedis(port, { dir });
    cleanup.push(() => stopRedis(server));
    const url = `redis://127.0.0.1:${port}`;
    const prefix = `test:${randomUUID()}:`;
    const [a, b] = [await openStore(url, prefix), await openStore(url, prefix)];
    await a.create(newJobs(2), T0);
    const [lease] = (await a.lease([worker('a1')], 60_000, T0)) as [Lease];
    const [leaseOfB] = (await b.lease([worker('b1')], 60_000, T0)) as [Lease];
    const timeoutMs = 2_000;
    // Out of step, as masters started apart are: the first to beat once Redis is back finds the other's key lapsed.
    const watchA = watch(a, timeoutMs);
    await sleep(timeoutMs / 8);
    const watchB = watch(b, timeoutMs);
    await sleep(timeoutMs + 500);

    // A failover's worth of outage: every master's alive key lapses meanwhile.
    await stopRedis(server);
    await sleep(timeoutMs + 500);
    server = await startRedis(port, { dir });
    await until(async () => (await a.presence.leasesHeldBy(a.masterId).catch(() => ({ leases: [] }))).leases.length === 1, 'Redis back with A’s lease');
    await sleep(2 * timeoutMs);
    expect(watchB.requeued).toEqual([]);
    expect(watchA.requeued).toEqual([]);
    expect((await a.presence.leasesHeldBy(a.masterId)).leases).toEqual([{ jobId: lease.jobId, leaseId: lease.leaseId }]);
    expect((await b.presence.leasesHeldBy(b.masterId)).leases).toEqual([{ jobId: leaseOfB.jobId, leaseId: leaseOfB.leaseId }]);

    // A master that stays silent once Redis is back is still found dead.
    await watchA.close();
    await until(() => watchB.requeued.length === 1, 'B to requeue A’s lease', 3 * timeoutMs);
    expect(watchB.requeued).toEqual([{ jobId: lease.jobId, leaseId: lease.leaseId }]);
  });

  it('keeps a silent master known while a partition that may hold its leases is out of reach, and requeues them once it is back', async () => {
    const prefix = `test:${randomUUID()}:`;
    cleanup.push(() => deleteRedisKeys(prefix));
    const partitions = 2;
    const openPartitioned = async () => {
      const store = await RedisJobStore.connect({ target: { url: TEST_REDIS_URL }, limits: DEFAULT_TEST_LIMITS, keyPrefix: prefix, partitions, firstTurn: 0 });
      cleanup.push(() => store.close());
      return store;
    };
    const [dead, b] = [await openPartitioned(), await openPartitioned()];
    for (let i = 0; i < partitions; i++) await dead.create(newJobs(1), T0);
    await dead.presence.sayAlive(100);
    const leases = (await dead.lease([worker('d1'), worker('d2')], 60_000, T0)) as Lease[];
    expect(new Set(leases.map((lease) => partitionOf(lease.jobId, partitions))).size).toBe(partitions);
    const [inReach, outOfReach] = [0, 1].map((i) => leases.find((lease) => partitionOf(lease.jobId, partitions) === i)!) as [Lease, Lease];
    const down = `${partitionTag(1, partitions)}:jobs`;
    const leasesHeldBy = RedisPartition.prototype.leasesHeldBy;
    const spy = vi.spyOn(RedisPartition.prototype, 'leasesHeldBy').mockImplementation(function (this: RedisPartition, ...args) {
      return this.keys.jobs.endsWith(down) ? Promise.reject(new StoreUnavailableError('its node is down')) : leasesHeldBy.apply(this, args);
    });
    cleanup.push(async () => spy.mockRestore());
    const timeoutMs = 400;
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });
    const watchB = watch(b, timeoutMs, 0, log);
    const ref = ({ jobId, leaseId }: Lease) => ({ jobId, leaseId });
    await until(() => watchB.requeued.length > 0, 'B to requeue what it can reach', firstJudgedWithin(timeoutMs));
    await until(() => watchB.requeued.length >= 3, 'B to look again on later beats', 10 * timeoutMs);
    expect(new Set(watchB.requeued.map((lease) => lease.jobId))).toEqual(new Set([inReach.jobId]));
    expect(await b.presence.silentMasters()).toEqual([dead.masterId]);
    // Looked for every beat, warned of once.
    expect(warnings.filter((message) => message.includes('partitions in reach'))).toHaveLength(1);

    spy.mockRestore();
    await until(() => watchB.requeued.some((lease) => lease.jobId === outOfReach.jobId), 'B to requeue the rest once its partition is back', 10 * timeoutMs);
    expect(watchB.requeued).toContainEqual(ref(outOfReach));
    await until(async () => (await b.presence.silentMasters()).length === 0, 'the dead master forgotten', 10 * timeoutMs);
  });

  it('gives a master as long as its reconnect may take to say it is alive again before judging it', async () => {
    const prefix = `test:${randomUUID()}:`;
    cleanup.push(() => deleteRedisKeys(prefix));
    const [a, b] = [await openStore(TEST_REDIS_URL, prefix), await openStore(TEST_REDIS_URL, prefix)];
    await a.create(newJobs(1), T0);
    await a.presence.sayAlive(100);
    await a.lease([worker('a1')], 60_000, T0);
    // As after an outage: A's key lapsed, and A comes back just within the longest reconnect delay after B does.
    await sleep(150);
    const timeoutMs = 1_000;
    const watchB = watch(b, timeoutMs);
    await sleep(MAX_RECONNECT_DELAY_MS - 200);
    watch(a, timeoutMs);
    await sleep(timeoutMs + 1_000);
    expect(watchB.requeued).toEqual([]);
  });

  it('keeps saying this master is alive while it requeues what a silent one held', async () => {
    const prefix = `test:${randomUUID()}:`;
    cleanup.push(() => deleteRedisKeys(prefix));
    const [onlooker, b, dead] = [await openStore(TEST_REDIS_URL, prefix), await openStore(TEST_REDIS_URL, prefix), await openStore(TEST_REDIS_URL, prefix)];
    await dead.create(newJobs(1), T0);
    await dead.presence.sayAlive(100);
    await dead.lease([worker('d1')], 60_000, T0);
    const timeoutMs = 1_000;
    // Requeueing the dead master's lease takes three times MASTER_TIMEOUT_MS.
    const watchB = watch(b, timeoutMs, 3 * timeoutMs);
    await until(() => watchB.requeued.length === 1, 'B to requeue the dead master’s lease', firstJudgedWithin(timeoutMs));
    for (let waited = 0; waited < 2.5 * timeoutMs; waited += 100) {
      expect(await onlooker.presence.silentMasters()).not.toContain(b.masterId);
      await sleep(100);
    }
  });
});
