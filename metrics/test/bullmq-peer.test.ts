// bench:dispatch --peer bullmq against the real Redis with a few jobs: every job must be processed and completed
// exactly once, and nothing may be left under the peer's key prefix. Its rate is not judged here.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runBullmqPeer } from '../bullmq-peer.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';

const JOBS = 500;

describe('the BullMQ peer of bench:dispatch', () => {
  it('completes every job exactly once and deletes its keys', async () => {
    const prefix = `test-bullmq:${randomUUID()}`;
    // Chunks of 200 so the last addBulk is a partial one.
    const run = await runBullmqPeer({ redisUrl: TEST_REDIS_URL, prefix, jobs: JOBS, concurrency: 16, chunk: 200 });

    expect([...run.processed.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: JOBS }, (_, i) => i));
    expect([...run.processed.values()].every((times) => times === 1)).toBe(true);
    expect(run.completed.size).toBe(JOBS);
    expect([...run.completed.values()].every((times) => times === 1)).toBe(true);
    expect(run.jobsPerSecond).toBeGreaterThan(0);

    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a run of no jobs rather than waiting for ever', async () => {
    await expect(runBullmqPeer({ redisUrl: TEST_REDIS_URL, prefix: `test-bullmq:${randomUUID()}`, jobs: 0 })).rejects.toThrow(/at least 1/);
  });
});
