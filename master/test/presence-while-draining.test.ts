// A master shutting down keeps saying it is alive until it has finished the answers already in. Before, it stopped
// its heartbeat first: an answer whose store write outlasted MASTER_TIMEOUT_MS (a slow Redis) found its lease requeued
// by another master that took the draining one for dead, so the answer was thrown away and the job done again.
// Real masters, a worker and Redis.
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { submit, useLifecycleMasters } from '../../test/support/lifecycle-masters.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';
import { MAX_RECONNECT_DELAY_MS } from '../store/redis/redis-connection.ts';

const { storeConfig, master, worker } = useLifecycleMasters();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a master draining among masters sharing Redis', () => {
  it('finishes the answers already in without being taken for dead meanwhile', async () => {
    const masterTimeoutMs = 500;
    const shared = { ...storeConfig({ url: TEST_REDIS_URL }), masterTimeoutMs, leaseMs: 60_000 };
    const [a, b] = [await master(shared), await master(shared)];
    // B judges other masters only once it has been heard itself for MASTER_TIMEOUT_MS and the longest reconnect.
    await sleep(masterTimeoutMs + MAX_RECONNECT_DELAY_MS + 500);
    let answer!: () => void;
    const held = await worker(a, { name: 'answers-late', credit: 1, onJob: (job, w) => void (answer = () => w.succeed(job.header)) });
    const [id] = await submit(a, 1);
    await until(() => held.jobs.length === 1, 'the worker on A to hold the job');
    // The answer's store write takes several MASTER_TIMEOUT_MS, as on a slow Redis.
    const complete = a.store.complete.bind(a.store);
    let writing = false;
    a.store.complete = async (...args) => {
      writing = true;
      await sleep(6 * masterTimeoutMs);
      return complete(...args);
    };
    answer();
    await until(() => writing, 'A to be writing the answer');
    await a.close();
    const job = (await b.store.getDetail(id!))!;
    expect({ status: job.status, outcomes: job.timeline.map((attempt) => attempt.outcome), refused: a.lifecycle.counters.rejected['stale-lease'] }).toEqual({
      status: 'done',
      outcomes: ['done'],
      refused: 0,
    });
  });
});
