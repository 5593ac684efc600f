// What a master does as it shuts down reaches the other masters sharing its Redis: the jobs it requeues as it cuts off
// its workers (lost), and the answers already in that it finishes (completed). Before, it closed its event relay
// first, so the other masters' boards kept showing those jobs as leased. Real masters, workers and Redis.
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { submit, useLifecycleMasters } from '../../test/support/lifecycle-masters.ts';
import { TEST_REDIS_URL } from '../../test/support/stores.ts';
import type { TestMaster } from '../../test/support/test-master.ts';
import type { JobTransition } from '../lifecycle/job-events.ts';

const { storeConfig, master, worker } = useLifecycleMasters();

/** The transitions of job `id` that `at` hears, as its boards would. */
function transitionsHeard(at: TestMaster, id: () => string | undefined): JobTransition[] {
  const heard: JobTransition[] = [];
  at.events.subscribe((event) => {
    if (event.type === 'job' && event.job.id === id()) heard.push(event.transition);
  });
  return heard;
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
    expect(heardOnB).toEqual(['lost']);
  });

  it('tells the others of the answers it finished while draining', async () => {
    const shared = storeConfig({ url: TEST_REDIS_URL });
    const [a, b] = [await master(shared), await master(shared)];
    let answer!: () => void;
    const held = await worker(a, { name: 'answers-late', credit: 1, onJob: (job, w) => void (answer = () => w.succeed(job.header)) });
    const [id] = await submit(a, 1);
    await until(() => held.jobs.length === 1, 'the worker on A to hold the job');
    // The answer's store write is under way when the shutdown begins, so the drain is what finishes it.
    const complete = a.store.complete.bind(a.store);
    let writing = false;
    a.store.complete = async (...args) => {
      writing = true;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return complete(...args);
    };
    const heardOnB = transitionsHeard(b, () => id);
    answer();
    await until(() => writing, 'A to be writing the answer');
    await a.close();
    expect(await b.store.get(id!)).toMatchObject({ status: 'done' });
    await until(() => heardOnB.length > 0, 'B to hear the job done');
    expect(heardOnB).toEqual(['completed']);
  });
});
