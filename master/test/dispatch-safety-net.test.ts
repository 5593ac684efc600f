// With Redis, a job queued where this master did not hear of it (its event lost while Redis was away) still
// reaches the idle workers here: every second the master looks at the shared queue and dispatches when it holds
// jobs (server.ts), instead of handing all its idle workers to the store whether or not there is work.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { newJob } from '../../metrics/uploaded-files.ts';
import { partitionOf } from '../store/redis/partitions.ts';
import { RedisKeys } from '../store/redis/redis-keys.ts';
import { RedisPartition } from '../store/redis/redis-partition.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';

const prefix = `test:${randomUUID()}:`;
let master: TestMaster | undefined;
let worker: SyntheticWorker | undefined;

afterEach(async () => {
  worker?.terminate();
  await master?.close();
  await deleteRedisKeys(prefix);
});

describe('the shared store’s safety net', () => {
  it('dispatches a job that was queued without an event, within a few seconds', async () => {
    master = await startTestMaster({ redisUrl: TEST_REDIS_URL, redisPrefix: prefix });
    worker = await SyntheticWorker.connect({ masterUrl: master.url, hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, self) => self.succeed(job.header) });
    const image = devImages(1)[0]!;
    // Straight into the store: no transition is published, so nothing but the safety net wakes the dispatcher.
    const {
      jobs: [job],
    } = await master.store.create([newJob(image.file, 'image/jpeg', fs.readFileSync(image.path))], Date.now());
    expect(job!.status).toBe('queued');
    await until(async () => (await master!.store.get(job!.id))?.status === 'done', 'the job to be dispatched and done', 10_000);
  });

  it('dispatches it while another partition of the queue is out of reach, which fails the count', async () => {
    const partitions = 4;
    master = await startTestMaster({ redisUrl: TEST_REDIS_URL, redisPrefix: prefix, queuePartitions: partitions });
    worker = await SyntheticWorker.connect({ masterUrl: master.url, hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, self) => self.succeed(job.header) });
    const image = devImages(1)[0]!;
    const {
      jobs: [job],
    } = await master.store.create([newJob(image.file, 'image/jpeg', fs.readFileSync(image.path))], Date.now());
    // A partition other than the job's, as if its node were down.
    const down = new RedisKeys(prefix, (partitionOf(job!.id, partitions) + 1) % partitions, partitions).jobs;
    const counts = RedisPartition.prototype.counts;
    const spy = vi.spyOn(RedisPartition.prototype, 'counts').mockImplementation(function (this: RedisPartition) {
      return this.keys.jobs === down ? Promise.reject(new StoreUnavailableError('its node is down')) : counts.call(this);
    });
    try {
      await until(async () => (await master!.store.get(job!.id))?.status === 'done', 'the job to be dispatched and done', 10_000);
    } finally {
      spy.mockRestore();
    }
  });
});
