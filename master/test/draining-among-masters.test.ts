// What a master does as it shuts down among masters sharing its Redis. It tells them of the jobs it requeues as it
// cuts off its workers (lost) and of the answers already in that it finishes (completed): before, it closed its event
// relay first, so the other masters' boards kept showing those jobs as leased. And it keeps saying it is alive until
// those answers are finished: before, it stopped its heartbeat first, so an answer whose store write outlasted
// MASTER_TIMEOUT_MS (a slow Redis) found its lease requeued by a master that took it for dead, and the job was done
// twice. Real masters, workers and Redis.
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { submit, useLifecycleMasters } from '../../test/support/lifecycle-masters.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';
import type { TestMaster } from '../../test/support/test-master.ts';
import type { JobTransition } from '../lifecycle/job-events.ts';
import { MAX_RECONNECT_DELAY_MS } from '../store/redis/redis-connection.ts';

const { storeConfig, master, worker } = useLifecycleMasters();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The transitions of job `id` that `at` hears, as its boards would. */
function transitionsHeard(at: TestMaster, id: () => string | undefined): JobTransition[] {
  const heard: JobTransition[] = [];
  at.events.subscribe((event) => {
    if (event.type === 'job' && event.job.id === id()) heard.push(event.transition);
  });
  return heard;
}

/**
 * Submits a job to `a`, lets a worker on `a` answer it, and holds the answer's store write for `writeMs`; resolves
 * once the write is under way, so a shutdown begun then is what finishes it.
 */
async function answerBeingWritten(a: TestMaster, writeMs: number, beforeAnswer: (id: string) => void = () => {}): Promise<string> {
  let answer!: () => void;
  const held = await worker(a, { name: 'answers-late', credit: 1, onJob: (job, w) => void (answer = () => w.succeed(job.header)) });
  const [id] = await submit(a, 1);
  await until(() => held.jobs.length === 1, 'the worker on A to hold the job');
  const complete = a.store.complete.bind(a.store);
  let writing = false;
  a.store.complete = async (...args) => {
    writing = true;
    await sleep(writeMs);
    return complete(...args);
  };
  beforeAnswer(id!);
  answer();
  await until(() => writing, 'A to be writing the answer');
  return id!;
}

describe('a master shutting down among masters sharing Redis', () => {
  it('tells the others of the jobs it requeued as its workers were cut off', async () => {
    const shared = storeConfig({ url: TEST_REDIS_URL });
    const [a, b] = [await master(shared), await master(shared)];
    const held = await worker(a, { name: 'holds-on', credit: 1, onJob: () => {} });
    const [id] = await submit(a, 1);
    await until(() => held.jobs.length === 1, 'the worker on A to hold the job');
    const heardOnB = transitionsHeard(b, () => id);
    await a.close();
    expect(await b.store.get(id!)).toMatchObject({ status: 'queued' });
    // B has no worker of its own: nothing but A's word changes the job on its board.
    await until(() => heardOnB.length > 0, 'B to hear the job requeued');
    // Recovered, not lost: the master hung up on its worker, which uses up none of the job's leases (MAX_LEASES).
    expect(heardOnB).toEqual(['recovered']);
    expect((await b.store.getDetail(id!))!.timeline.map((attempt) => attempt.outcome)).toEqual(['recovered']);
  });

  it('tells the others of the answers it finished while draining', async () => {
    const shared = storeConfig({ url: TEST_REDIS_URL });
    const [a, b] = [await master(shared), await master(shared)];
    let heardOnB: JobTransition[] = [];
    const id = await answerBeingWritten(a, 300, (id) => (heardOnB = transitionsHeard(b, () => id)));
    await a.close();
    expect(await b.store.get(id)).toMatchObject({ status: 'done' });
    await until(() => heardOnB.length > 0, 'B to hear the job done');
    expect(heardOnB).toEqual(['completed']);
  });

  it('finishes the answers already in without being taken for dead meanwhile', async () => {
    const masterTimeoutMs = 500;
    const shared = { ...storeConfig({ url: TEST_REDIS_URL }), masterTimeoutMs, leaseMs: 60_000 };
    const [a, b] = [await master(shared), await master(shared)];
    // B judges other masters only once it has been heard itself for MASTER_TIMEOUT_MS and the longest reconnect.
    await sleep(masterTimeoutMs + MAX_RECONNECT_DELAY_MS + 500);
    // The answer's store write takes several MASTER_TIMEOUT_MS, as on a slow Redis.
    const id = await answerBeingWritten(a, 6 * masterTimeoutMs);
    await a.close();
    const job = (await b.store.getDetail(id))!;
    expect({ status: job.status, outcomes: job.timeline.map((attempt) => attempt.outcome), refused: a.lifecycle.counters.rejected['stale-lease'] }).toEqual({
      status: 'done',
      outcomes: ['done'],
      refused: 0,
    });
  });
});
