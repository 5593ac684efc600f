// Which partitions a lease call asks (leasable-partitions.ts), as pure logic over partitions that answer a queue-size
// read, fail it as unavailable (a node down or hung) or fail it otherwise, each indexed or not:
// cluster-node-down.test.ts runs the reach on a real cluster with a node hung, cluster-start-node-down.test.ts the
// indexing with a node down at connect.
import { expect, it } from 'vitest';
import { LeasablePartitions } from '../store/redis/leasable-partitions.ts';
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

/** A record of these partitions, every one indexed unless `notIndexed` names it. */
function leasable(partitions: RedisPartition[], notIndexed: number[] = []): LeasablePartitions {
  const record = new LeasablePartitions(partitions);
  partitions.forEach((_, p) => notIndexed.includes(p) || record.markIndexed(p));
  return record;
}

it('leaves out of the lease call a partition its own read just found out of reach, and asks it only in the background after', async () => {
  const up = queued(1);
  const down = hung();
  const record = leasable([up.fake, down.fake]);
  expect(await record.toLeaseFrom([0, 1])).toEqual([0]);
  expect(await record.toLeaseFrom([1, 0])).toEqual([0]);
  expect(down.reads.count).toBe(2); // the first call's read, then one probe
});

it('passes over a partition whose lease failed as unavailable, not one whose lease got an error reply from its node', async () => {
  const record = leasable([queued(1).fake, queued(1).fake]);
  record.failed(0, new Error('ERR a script error'));
  record.failed(1, new StoreUnavailableError('Command timed out'));
  expect(await record.toLeaseFrom([1, 0])).toEqual([0]);
});

it('asks every partition when every one is out of reach, so that leasing fails as unavailable', async () => {
  const record = leasable([hung().fake, hung().fake]);
  expect(await record.toLeaseFrom([0, 1])).toEqual([0, 1]);
  expect(await record.toLeaseFrom([1, 0])).toEqual([1, 0]);
});

it('takes a partition back once a probe gets any reply from its node, an error reply included', async () => {
  let answer: () => Promise<number> = () => Promise.reject(new StoreUnavailableError('Command timed out'));
  const flaky = partition(() => answer());
  const record = leasable([queued(1).fake, flaky.fake]);
  expect(await record.toLeaseFrom([0, 1])).toEqual([0]);
  answer = () => Promise.reject(new Error('ERR something the node said'));
  expect(await record.toLeaseFrom([0, 1])).toEqual([0]); // the probe runs beside this call
  await new Promise((resolve) => setImmediate(resolve));
  answer = async () => 3;
  expect(await record.toLeaseFrom([0, 1])).toEqual([0, 1]);
});

it('keeps a partition whose read failed otherwise than unavailable: leasing finds out', async () => {
  const odd = partition(() => Promise.reject(new Error('ERR unexpected')));
  const record = leasable([queued(0).fake, odd.fake]);
  expect(await record.toLeaseFrom([0, 1])).toEqual([1]);
});

it('never asks a partition whose older jobs are not yet indexed, in reach and queued as it is, until it is marked indexed', async () => {
  const record = leasable([queued(1).fake, queued(1).fake, queued(1).fake], [1]);
  expect(record.notIndexed()).toEqual([1]);
  expect(await record.toLeaseFrom([1, 2, 0])).toEqual([2, 0]);
  record.markIndexed(1);
  expect(record.notIndexed()).toEqual([]);
  expect(await record.toLeaseFrom([1, 2, 0])).toEqual([1, 2, 0]);
});

it('asks the one indexed partition alone, without a read, while the others are not indexed', async () => {
  const lone = queued(0);
  const waiting = queued(5);
  const record = leasable([waiting.fake, lone.fake], [0]);
  expect(await record.toLeaseFrom([0, 1])).toEqual([1]);
  expect(lone.reads.count + waiting.reads.count).toBe(0);
});

it('falls back on the indexed partitions alone when every one of them is out of reach: not on one not yet indexed', async () => {
  const notYet = queued(4);
  const record = leasable([notYet.fake, hung().fake, hung().fake], [0]);
  expect(await record.toLeaseFrom([0, 1, 2])).toEqual([1, 2]); // their own reads find them out of reach
  // Now known out of reach before any read: the fallback itself asks them, not the one not yet indexed.
  expect(await record.toLeaseFrom([0, 1, 2])).toEqual([1, 2]);
  expect(notYet.reads.count).toBe(0);
});
