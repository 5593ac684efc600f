// Indexing a partition's older jobs at reaper ticks after it was out of reach at connect (older-jobs-index.ts), with
// partitions whose indexing the test decides: a lasting error other than an outage (a script error, say) is logged
// once, not at every tick, and the partition is marked indexed, for leasing (leasable-partitions.ts), once a later
// try succeeds; that it is back is said once, whoever had it indexed (a tick, or a blacklisting's walk first).
import { expect, it } from 'vitest';
import { LeasablePartitions } from '../store/redis/leasable-partitions.ts';
import { OlderJobsIndex } from '../store/redis/older-jobs-index.ts';
import type { RedisPartition } from '../store/redis/redis-partition.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { capturedLog } from '../../test/support/captured-log.ts';

/** Partitions whose indexOlderJobs answers what `outcome(p)` says at each call. */
function partitions(count: number, outcome: (p: number) => 'ok' | 'down' | 'broken'): RedisPartition[] {
  return Array.from({ length: count }, (_, p) => ({
    indexOlderJobs: async () => {
      const now = outcome(p);
      if (now === 'down') throw new StoreUnavailableError('node down');
      if (now === 'broken') throw new Error('ERR a script error');
    },
  })) as unknown as RedisPartition[];
}

const ticks = async (index: OlderJobsIndex, count: number) => {
  for (let i = 0; i < count; i++) {
    index.catchUp();
    await new Promise((resolve) => setImmediate(resolve));
  }
};

it('logs a lasting indexing error once, not at every reaper tick, and marks the partition indexed once it is', async () => {
  const { log, lines } = capturedLog();
  let second: 'ok' | 'down' | 'broken' = 'down';
  const all = partitions(2, (p) => (p === 0 ? 'ok' : second));
  const leasable = new LeasablePartitions(all);
  const index = new OlderJobsIndex(all, leasable, log);
  await index.atConnect();
  expect(leasable.notIndexed()).toEqual([1]);

  second = 'broken';
  await ticks(index, 5);
  expect(lines.filter((line) => line.msg.startsWith('indexing the older jobs of queue partition 1 failed'))).toHaveLength(1);
  expect(leasable.notIndexed()).toEqual([1]);

  second = 'ok';
  await ticks(index, 1);
  expect(leasable.notIndexed()).toEqual([]);
  expect(lines.filter((line) => line.msg.startsWith('queue partition back in reach'))).toHaveLength(1);
});

it('says a partition passed over at start is back once it is indexed, when a blacklisting walk indexed it first', async () => {
  const { log, lines } = capturedLog();
  let second: 'ok' | 'down' = 'down';
  const all = partitions(2, (p) => (p === 0 ? 'ok' : second));
  const leasable = new LeasablePartitions(all);
  const index = new OlderJobsIndex(all, leasable, log);
  await index.atConnect();

  second = 'ok';
  await index.ensure(1); // as RedisJobStore.reopenAnsweredBy does, before a reaper tick gets to it
  await ticks(index, 2);
  expect(leasable.notIndexed()).toEqual([]);
  expect(lines.filter((line) => line.msg.startsWith('queue partition back in reach'))).toHaveLength(1);
});
