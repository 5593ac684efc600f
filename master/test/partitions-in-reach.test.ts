// Which partitions a lease call asks (partitions-in-reach.ts), as pure logic over partitions that answer a queue-size
// read, fail it as unavailable (a node down or hung) or fail it otherwise; cluster-node-down.test.ts runs the same on
// a real cluster with a node stopped.
import { expect, it } from 'vitest';
import { PartitionsInReach } from '../store/redis/partitions-in-reach.ts';
import type { RedisPartition } from '../store/redis/redis-partition.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';

/** A partition whose queue-size reads give what `read` says, counted. */
function partition(read: () => Promise<number>) {
  const reads = { count: 0 };
  const fake = { queuedCount: () => (reads.count++, read()) } as unknown as RedisPartition;
  return { fake, reads };
}
const queued = (n: number) => partition(async () => n);
const hung = () => partition(() => Promise.reject(new StoreUnavailableError('Command timed out')));

it('leaves out of the lease call a partition its own read just found out of reach, and asks it only in the background after', async () => {
  const up = queued(1);
  const down = hung();
  const inReach = new PartitionsInReach([up.fake, down.fake]);
  expect(await inReach.withQueuedJobs([0, 1])).toEqual([0]);
  expect(await inReach.withQueuedJobs([1, 0])).toEqual([0]);
  expect(down.reads.count).toBe(2); // the first call's read, then one probe
});

it('asks every partition when every one is out of reach, so that leasing fails as unavailable', async () => {
  const inReach = new PartitionsInReach([hung().fake, hung().fake]);
  expect(await inReach.withQueuedJobs([0, 1])).toEqual([0, 1]);
  expect(await inReach.withQueuedJobs([1, 0])).toEqual([1, 0]);
});

it('takes a partition back once a probe gets any reply from its node, an error reply included', async () => {
  let answer: () => Promise<number> = () => Promise.reject(new StoreUnavailableError('Command timed out'));
  const flaky = partition(() => answer());
  const inReach = new PartitionsInReach([queued(1).fake, flaky.fake]);
  expect(await inReach.withQueuedJobs([0, 1])).toEqual([0]);
  answer = () => Promise.reject(new Error('ERR something the node said'));
  expect(await inReach.withQueuedJobs([0, 1])).toEqual([0]); // the probe runs beside this call
  await new Promise((resolve) => setImmediate(resolve));
  answer = async () => 3;
  expect(await inReach.withQueuedJobs([0, 1])).toEqual([0, 1]);
});

it('keeps a partition whose read failed otherwise than unavailable: leasing finds out', async () => {
  const odd = partition(() => Promise.reject(new Error('ERR unexpected')));
  const inReach = new PartitionsInReach([queued(0).fake, odd.fake]);
  expect(await inReach.withQueuedJobs([0, 1])).toEqual([1]);
});
