// With the queue in partitions, a job deleted on another master while this one's lease call is still asking the
// partitions one after another is revoked from the worker it is pushed to here once the call returns. Before, the
// deletion, heard before any session held the job, was forgotten: the worker computed a deleted job until its lease
// ran out. Real masters, a worker and a Redis queue in two partitions; one partition's answer is held back.
import { describe, expect, it, vi } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { submit, useLifecycleMasters } from '../../test/support/lifecycle-masters.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';
import type { LiveEvent } from '../api-types.ts';
import { partitionOf } from '../store/redis/partitions.ts';
import { RedisPartition } from '../store/redis/redis-partition.ts';
import type { RedisJobStore } from '../store/redis-job-store.ts';

const { storeConfig, master, worker } = useLifecycleMasters();

describe('a job deleted on another master while this one leases across partitions', () => {
  it('is revoked from the worker it is pushed to here', async () => {
    const shared = { ...storeConfig({ url: TEST_REDIS_URL }), queuePartitions: 2, leaseMs: 30_000 };
    const [a, b] = [await master(shared), await master(shared)];
    // One request per partition (requests without a key take turns): the two jobs lie in different partitions.
    const [x] = (await submit(b, 1)) as [string];
    const [y] = (await submit(b, 1)) as [string];
    expect(partitionOf(x, 2)).not.toBe(partitionOf(y, 2));
    const aId = (a.store as RedisJobStore).masterId;
    const heardOnA: LiveEvent[] = [];
    a.events.subscribe((event) => void heardOnA.push(event));

    // The first partition A asks answers; before it goes on to the next, B deletes the job A just leased and A hears it.
    const lease = RedisPartition.prototype.lease;
    let deleted: string | undefined;
    const spy = vi.spyOn(RedisPartition.prototype, 'lease').mockImplementation(async function (this: RedisPartition, ...args) {
      const made = await lease.apply(this, args);
      const leased = made.find(Boolean);
      if (args[3] === aId && deleted === undefined && leased) {
        deleted = leased.jobId;
        expect(await b.lifecycle.cancel(deleted)).toBe(true);
        await until(() => heardOnA.some((event) => event.type === 'job-deleted' && event.id === deleted), 'A to hear of the deletion');
      }
      return made;
    });
    try {
      const held = await worker(a, { name: 'two-slots', credit: 2, onJob: () => {} });
      await until(() => held.jobs.length === 2, 'the worker on A to be pushed both jobs');
      expect(await a.store.get(deleted!)).toBeNull();
      await until(() => held.messages.some((message) => message.type === 'cancel'), 'the worker told to drop the deleted job');
      const cancelled = held.messages.flatMap((message) => (message.type === 'cancel' ? [message.jobId] : []));
      expect({ cancelled, heldOnA: a.workers.all[0]!.leases.map((l) => l.jobId) }).toEqual({
        cancelled: [deleted],
        heldOnA: [deleted === x ? y : x],
      });
    } finally {
      spy.mockRestore();
    }
  });
});
