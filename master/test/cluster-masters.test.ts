// Masters as separate processes sharing a three-node Redis Cluster, the queue
// in partitions spread over the nodes: a master killed with -9 while its worker
// holds jobs of several partitions loses none of them, and a cluster node
// killed and restarted on its append-only file costs 503s while it is down —
// never a silent drop — and every acknowledged job finishes.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { partitionOf } from '../store/redis/partitions.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { settled, submitEach, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { devImages } from '../../test/support/paths.ts';
import { startRedisCluster, type RedisCluster } from '../../test/support/redis-cluster.ts';

const PARTITIONS = 4;
/** The workers are the operator's fleet: trusted from the start, so one holds as many jobs as its credit. */
const FLEET_TOKEN = randomUUID();
const uploads = uploadsFrom(devImages(8).map((image) => image.path));
const masters: MasterProcess[] = [];
const workers: SyntheticWorker[] = [];
let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(() => cluster.stop());
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.terminate();
  for (const master of masters.splice(0)) await master.stop('SIGKILL');
});

async function master(prefix: string, env: Record<string, string> = {}): Promise<MasterProcess> {
  const nodes = cluster.addresses.map(({ host, port }) => `${host}:${port}`).join(',');
  const started = await spawnMaster({ REDIS_CLUSTER_NODES: nodes, REDIS_PREFIX: prefix, QUEUE_PARTITIONS: String(PARTITIONS), FLEET_TOKEN, ...env });
  masters.push(started);
  return started;
}

async function worker(masterUrl: string, options: Omit<SyntheticWorkerOptions, 'masterUrl'> = {}) {
  const connected = await SyntheticWorker.connect({ masterUrl, hello: { fleetToken: FLEET_TOKEN }, ...options });
  workers.push(connected);
  return connected;
}

/** Counts every job a worker is handed, and answers it. */
function answering(answers: Map<string, number>): SyntheticWorkerOptions['onJob'] {
  return (job, w) => {
    answers.set(job.header.jobId, (answers.get(job.header.jobId) ?? 0) + 1);
    w.succeed(job.header);
  };
}

describe('masters sharing a Redis Cluster, the queue in partitions', () => {
  it('complete through B, each once, the jobs of several partitions a kill -9 of master A left leased', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await master(prefix, { LEASE_MS: '1500' });
    const b = await master(prefix, { LEASE_MS: '1500' });
    const { ids } = await submitEach(a.url, uploads);
    // Connected once every job is queued, so each takes two at once (a new worker's window) before any lease could expire.
    const holders = [await worker(a.url, { name: 'worker-of-a-1', credit: 2 }), await worker(a.url, { name: 'worker-of-a-2', credit: 2 })];
    await until(() => holders.every((holder) => holder.jobs.length === 2), 'A’s workers to hold two jobs each');
    const held = holders.flatMap((holder) => holder.jobs.map((job) => job.header.jobId));
    expect(new Set(held.map((id) => partitionOf(id, PARTITIONS))).size).toBeGreaterThan(1);
    await a.stop('SIGKILL');

    const answers = new Map<string, number>();
    await worker(b.url, { name: 'worker-of-b', onJob: answering(answers) });
    const jobs = await settled(b.url, ids, 30_000);
    expect(jobs.map((job) => [job.status, job.worker])).toEqual(ids.map(() => ['done', 'worker-of-b']));
    expect([...answers.values()].every((count) => count === 1)).toBe(true);
    // Ended by B as recovered (its reaper past the grace, or its master watch): A did not reap them, so no fault of A's workers.
    const orphaned = jobs.filter((job) => job.timeline.some((attempt) => attempt.outcome === 'recovered'));
    expect(orphaned.map((job) => job.id).sort()).toEqual([...held].sort());
  });

  it('answers 503 for the partitions of a killed node, accepts the others, and finishes every accepted job once it is back', async () => {
    const prefix = `test:${randomUUID()}:`;
    // What a 201 promises needs the node to keep it: every node writes an append-only file, fsynced on every write.
    for (const node of cluster.nodes) await cluster.persist(node);
    // A node holding a partition but not the first (whose node also keeps the one submission counter).
    const counterNode = await cluster.nodeOf(new RedisKeys(prefix, 0, PARTITIONS).seq);
    const nodes = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => cluster.nodeOf(new RedisKeys(prefix, p, PARTITIONS).jobs)));
    const victim = nodes.find((node) => node !== counterNode);
    expect(victim, 'the partitions all sit on the counter’s node').toBeDefined();

    const m = await master(prefix, { LEASE_MS: '1500' });
    const answers = new Map<string, number>();
    await worker(m.url, { name: 'steady', onJob: answering(answers) });
    const before = await submitEach(m.url, uploads.slice(0, 4));
    await settled(m.url, before.ids, 30_000);

    await cluster.kill(victim!);
    const during = await submitEach(m.url, uploads);
    // Every request was either accepted whole or refused as unavailable: nothing in between, nothing else.
    expect(new Set(during.statuses)).toEqual(new Set([201, 503]));
    await cluster.restart(victim!);

    const jobs = await settled(m.url, [...before.ids, ...during.ids], 60_000);
    expect(jobs.every((job) => job.status === 'done')).toBe(true);
    expect([...answers.values()].every((count) => count === 1)).toBe(true);
  });
});
