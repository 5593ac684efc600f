// Durable before acknowledged: a master killed with -9, or stopped before any
// worker came, loses no accepted job, and recovers the ones it had leased; on Redis too,
// after a downtime its leases outlived, without charging their workers.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { getJob, settled, submit as submitUploads, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { spawnMaster, type MasterProcess } from '../../test/support/master-process.ts';
import { devImages } from '../../test/support/paths.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { tempDataDir, TEST_FLEET_TOKEN } from '../../test/support/test-master.ts';

const [image] = uploadsFrom([devImages(1)[0]!.path]);
let running: MasterProcess | null = null;
const prefixes: string[] = [];
afterEach(async () => {
  await running?.stop('SIGKILL');
  running = null;
  for (const prefix of prefixes.splice(0)) await deleteRedisKeys(prefix);
});

const submit = (url: string, count: number) =>
  submitUploads(
    url,
    Array.from({ length: count }, () => image!),
  );

describe('master restarts', () => {
  it('survives kill -9 with jobs queued and leased: all complete once, leased ones marked recovered', async () => {
    const dataDir = tempDataDir();
    running = await spawnMaster({ DATA_DIR: dataDir });
    const ids = await submit(running.url, 6);
    const holder = await SyntheticWorker.connect({ masterUrl: running.url, name: 'holder', credit: 2 });
    await until(() => holder.jobs.length === 2, 'two leased');
    await running.stop('SIGKILL');
    holder.terminate();

    running = await spawnMaster({ DATA_DIR: dataDir });
    const url = running.url;
    const answered = new Map<string, number>();
    const worker = await SyntheticWorker.connect({
      masterUrl: url,
      name: 'after-crash',
      onJob: (job, w) => {
        answered.set(job.header.jobId, (answered.get(job.header.jobId) ?? 0) + 1);
        w.succeed(job.header);
      },
    });
    const jobs = await settled(url, ids, 20_000);
    worker.terminate();
    expect(jobs.every((job) => job.status === 'done')).toBe(true);
    expect([...answered.values()].every((n) => n === 1)).toBe(true);
    const leasedBefore = new Set(holder.jobs.map((j) => j.header.jobId));
    for (const id of ids) {
      const job = await getJob(url, id);
      const outcomes = job.timeline.map((a) => a.outcome);
      expect(outcomes).toEqual(leasedBefore.has(id) ? ['recovered', 'done'] : ['done']);
    }
  });

  it('on SIGTERM requeues what workers held and keeps the queue, for workers that connect after the restart', async () => {
    const dataDir = tempDataDir();
    running = await spawnMaster({ DATA_DIR: dataDir });
    const ids = await submit(running.url, 4);
    const holder = await SyntheticWorker.connect({ masterUrl: running.url, name: 'holder', credit: 2 });
    await until(() => holder.jobs.length === 2, 'two leased');
    const closed = holder.closed;
    expect(await running.stop('SIGTERM')).toBe(0);
    expect(await closed).toBe(1001);

    running = await spawnMaster({ DATA_DIR: dataDir });
    const url = running.url;
    const worker = await SyntheticWorker.connect({ masterUrl: url, onJob: (j, w) => w.succeed(j.header) });
    const jobs = await settled(url, ids, 20_000);
    worker.terminate();
    expect(jobs.map((job) => job.status)).toEqual(['done', 'done', 'done', 'done']);
    // Shut down cleanly, the master released the leases itself, as recovered: its doing, not the worker's.
    const held = new Set(holder.jobs.map((j) => j.header.jobId));
    for (const job of jobs) {
      expect(job.timeline.map((a) => a.outcome)).toEqual(held.has(job.id) ? ['recovered', 'done'] : ['done']);
    }
  });

  it('on Redis, a lone master restarted after its leases ran out takes them back as recovered, not expired', async () => {
    const prefix = `test:${randomUUID()}:`;
    prefixes.push(prefix);
    // One attempt: a lease charged to its worker as expired would fail the job.
    const env = {
      DATA_DIR: tempDataDir(),
      FLEET_TOKEN: TEST_FLEET_TOKEN,
      LEASE_MS: '1500',
      MAX_ATTEMPTS: '1',
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: prefix,
    };
    running = await spawnMaster(env);
    const [id] = await submit(running.url, 1);
    const holder = await SyntheticWorker.connect({ masterUrl: running.url, name: 'holder', hello: { fleetToken: TEST_FLEET_TOKEN } });
    await until(() => holder.jobs.length === 1, 'the job leased');
    await running.stop('SIGKILL');
    holder.terminate();
    // Down past the lease and the grace for other masters' clocks (a reboot, with the default 30 s lease): no master
    // watched it die, so the lease reaper of the next one finds its lease, another master's, past that grace.
    await new Promise((resolve) => setTimeout(resolve, 3 * 1500 + 500));

    running = await spawnMaster(env);
    const url = running.url;
    const worker = await SyntheticWorker.connect({
      masterUrl: url,
      name: 'after-restart',
      hello: { fleetToken: TEST_FLEET_TOKEN },
      onJob: (j, w) => w.succeed(j.header),
    });
    await until(async () => ['done', 'failed'].includes((await getJob(url, id!)).status), 'the job to end');
    worker.terminate();
    const job = await getJob(url, id!);
    expect({ status: job.status, outcomes: job.timeline.map((attempt) => attempt.outcome), error: job.error }).toEqual({
      status: 'done',
      outcomes: ['recovered', 'done'],
      error: null,
    });
  });
});
