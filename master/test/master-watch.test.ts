// Masters sharing Redis watch each other (master-watch.ts): a master that stops
// saying it is alive is found silent by the others, which read the leases it
// made — only its own, in every partition — requeue them at once, and forget it.
// On one Redis and on a Redis Cluster with the queue in partitions, then with
// master processes: a kill -9 of one costs MASTER_TIMEOUT_MS, not LEASE_MS.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import type { Lease, WorkerRef } from '../store/job-store.ts';
import { partitionOf } from '../store/redis/partitions.ts';
import type { RedisJobStore } from '../store/redis-job-store.ts';
import { settled, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { devImages } from '../../test/support/paths.ts';
import { deleteRedisKeys, STORE_KINDS, TEST_REDIS_URL } from '../../test/support/stores.ts';
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
    await a.sayAlive(300);
    await b.sayAlive(60_000);
    const byA = (await a.lease([worker('a1'), worker('a2')], 60_000, T0)).concat(await a.lease([worker('a3')], 60_000, T0)) as Lease[];
    const byB = (await b.lease([worker('b1')], 60_000, T0)) as Lease[];
    expect(new Set(byA.map((lease) => partitionOf(lease.jobId, partitions))).size).toBe(Math.min(partitions, 2));
    expect(await b.silentMasters()).toEqual([]);

    await sleep(400);
    expect(await b.silentMasters()).toEqual([a.masterId]);
    const held = await b.leasesHeldBy(a.masterId);
    const ref = ({ jobId, leaseId }: Lease) => ({ jobId, leaseId });
    expect(held.sort((x, y) => x.jobId.localeCompare(y.jobId))).toEqual(byA.map(ref).sort((x, y) => x.jobId.localeCompare(y.jobId)));
    expect(await b.leasesHeldBy(b.masterId)).toEqual(byB.map(ref));
    await b.forgetMaster(a.masterId);
    expect(await b.silentMasters()).toEqual([]);
    // A master that comes back says so again, and is one of the store's masters once more.
    await a.sayAlive(60_000);
    expect(await b.silentMasters()).toEqual([]);
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
