// The dispatcher's deal, with stand-in workers and a stand-in store (pure logic): a short queue goes to the
// workers that have waited longest, so with more workers than jobs each gets its turn; a long one is dealt
// round-robin up to each worker's credit.
import { describe, expect, it } from 'vitest';
import { Dispatcher, type BatchRules } from '../dispatch/dispatcher.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { WorkerSession } from '../hub/worker-session.ts';

interface StandIn {
  name: string;
  freeCredit: number;
  workerClass: 'trusted' | 'volunteer';
  identity: { workerId: string };
  ref: { network?: string };
}

/**
 * A store holding `queued` jobs: leases one to each worker dealt, in order, while they last, passing over the workers
 * named in `passedOver` (as the store passes over an identity that voted on every job left); a lease uses one credit.
 */
function standInStore(queue: { queued: number }, served: string[], calls: { count: number; dealt: number[] }, passedOver: Set<string>) {
  return async (dealt: WorkerSession[]) => {
    calls.count += 1;
    calls.dealt.push(dealt.length);
    const taken = (dealt as unknown as StandIn[]).filter((worker) => !passedOver.has(worker.name)).slice(0, queue.queued);
    queue.queued -= taken.length;
    for (const worker of taken) {
      worker.freeCredit -= 1;
      served.push(worker.name);
    }
    return taken as unknown as WorkerSession[];
  };
}

/**
 * Workers w0, w1, ... with these credits; the first `volunteers` are volunteers, each its own identity unless
 * `identityOf` says, on no network unless `networkOf` names one.
 */
function setUp(
  credits: number[],
  volunteers = 0,
  identityOf = (i: number) => `id${i}`,
  rules?: BatchRules,
  networkOf: (i: number) => string | undefined = () => undefined,
) {
  const workers: StandIn[] = credits.map((freeCredit, i) => ({
    name: `w${i}`,
    freeCredit,
    workerClass: i < volunteers ? 'volunteer' : 'trusted',
    identity: { workerId: identityOf(i) },
    ref: { network: networkOf(i) },
  }));
  const queue = { queued: 0 };
  const served: string[] = [];
  const calls = { count: 0, dealt: [] as number[] };
  const passedOver = new Set<string>();
  const registry = { all: workers } as unknown as WorkerRegistry;
  const dispatcher = new Dispatcher(
    registry,
    standInStore(queue, served, calls, passedOver),
    (error) => {
      throw error;
    },
    rules,
  );
  /** One job arrives, is dispatched, is answered at once (its worker's credit back). */
  const oneJob = async () => {
    queue.queued += 1;
    dispatcher.pump();
    await dispatcher.idle();
    for (const worker of workers) worker.freeCredit = credits[workers.indexOf(worker)]!;
  };
  /** A worker's credit rose to `credit`: it is offered jobs, and the deal is done. */
  const creditRose = async (worker: StandIn, credit: number) => {
    worker.freeCredit = credit;
    dispatcher.offer(worker as unknown as WorkerSession);
    await dispatcher.idle();
  };
  return { workers, queue, served, calls, passedOver, dispatcher, oneJob, creditRose };
}

describe('the dispatcher', () => {
  it('gives one job at a time to each worker in turn, not always to the first connected', async () => {
    const { served, oneJob } = setUp([1, 1, 1, 1]);
    for (let i = 0; i < 8; i++) await oneJob();
    expect(served).toEqual(['w0', 'w1', 'w2', 'w3', 'w0', 'w1', 'w2', 'w3']);
  });

  it('deals a long queue round-robin up to each worker’s credit, and leaves the rest queued', async () => {
    const { served, queue, dispatcher } = setUp([3, 1, 2]);
    queue.queued = 10;
    dispatcher.pump();
    await dispatcher.idle();
    expect(served).toEqual(['w0', 'w1', 'w2', 'w0', 'w2', 'w0']);
    expect(queue.queued).toBe(4);
  });

  it('puts a worker that missed out first in the next deal', async () => {
    const { served, queue, dispatcher, workers } = setUp([1, 1, 1]);
    queue.queued = 2;
    dispatcher.pump();
    await dispatcher.idle();
    expect(served).toEqual(['w0', 'w1']);
    for (const worker of workers) worker.freeCredit = 1;
    queue.queued = 1;
    dispatcher.pump();
    await dispatcher.idle();
    expect(served.at(-1)).toBe('w2');
  });

  it('counts the workers the store served, not the first dealt, when it passes one over', async () => {
    const { served, passedOver, oneJob } = setUp([1, 1]);
    // w0 first in the deal, but the store passes it over (its identity voted on the job): w1 gets it.
    passedOver.add('w0');
    await oneJob();
    passedOver.clear();
    // w0 has still had nothing, so it comes first now; counting the first deal as served would give w1 this one too.
    await oneJob();
    expect(served).toEqual(['w1', 'w0']);
  });

  it('asks the store once when the queue runs dry in a batch, not again for nothing', async () => {
    const { served, queue, calls, dispatcher } = setUp([4, 4]);
    queue.queued = 3;
    dispatcher.pump();
    await dispatcher.idle();
    expect(served).toEqual(['w0', 'w1', 'w0']);
    expect(calls.count).toBe(1);
  });

  it('asks the store again for a worker whose credit rose only once the queue changed since it was passed over', async () => {
    const { workers, served, queue, calls, dispatcher, creditRose } = setUp([1, 1]);
    dispatcher.pump();
    await dispatcher.idle();
    expect(calls.count).toBe(1);
    // w0 flips its credit, as a hostile page may a thousand times a second: the queue held nothing for it, and has not changed.
    for (let flip = 0; flip < 100; flip++) await creditRose(workers[0]!, 1 + (flip % 2));
    expect(calls.count).toBe(1);
    // A job arrives (a pump): dealt again.
    queue.queued = 1;
    dispatcher.pump();
    await dispatcher.idle();
    expect(calls.count).toBeGreaterThan(1);
    expect(served).toEqual(['w0']);
  });

  it('offers jobs to a worker whose credit rose from none, never passed over', async () => {
    const { workers, served, queue, dispatcher, creditRose } = setUp([0]);
    queue.queued = 1;
    dispatcher.pump();
    await dispatcher.idle();
    await creditRose(workers[0]!, 1);
    expect(served).toEqual(['w0']);
  });

  it('deals again after a batch served in full, up to a credit above the per-batch cap', async () => {
    const { served, queue, calls, dispatcher } = setUp([10]);
    queue.queued = 20;
    dispatcher.pump();
    await dispatcher.idle();
    expect(served).toHaveLength(10);
    expect(queue.queued).toBe(10);
    // 8 deals (the cap), all served; then the 2 credits left.
    expect(calls.count).toBe(2);
  });

  it('deals about one job a worker at a trickle, not the per-batch cap for each, and grows back to the cap under load', async () => {
    // The default caps (17 identities may pass over a job): every batch deals all four workers.
    const { served, queue, calls, dispatcher, oneJob, workers } = setUp([8, 8, 8, 8], 0, undefined, { passersPerJob: 17, volunteersPerNetwork: 1 });
    for (let i = 0; i < 4; i++) await oneJob();
    expect(served).toEqual(['w0', 'w1', 'w2', 'w3']);
    // The first job was dealt the cap to each (32 deals to place one). Each worker was then dealt what it was served
    // (none: one deal; one of eight: one), and one served all it was dealt is dealt twice that (w1, then w2: 2).
    expect(calls.dealt).toEqual([32, 4, 5, 5]);
    // A long queue: every deal served, so each worker's deal doubles (1 1 1 2, 2 2 2 4, 4 4 4 2 = w3's credit left,
    // then the last credits) until the cap or its credit stops it.
    calls.dealt = [];
    queue.queued = 100;
    dispatcher.pump();
    await dispatcher.idle();
    expect(workers.map((worker) => worker.freeCredit)).toEqual([0, 0, 0, 0]);
    expect(calls.dealt).toEqual([5, 10, 14, 3]);
    expect(queue.queued).toBe(68);
  });

  it('deals the 64 longest-waiting workers of each class in a batch, not every idle worker, so a private job still reaches the fleet', async () => {
    // 100 idle volunteers first in the order, then one trusted worker; the queued job is private (no volunteer may take it).
    const { served, calls, passedOver, workers, oneJob } = setUp(Array(101).fill(1), 100);
    for (const worker of workers.slice(0, 100)) passedOver.add(worker.name);
    await oneJob();
    expect(calls.dealt).toEqual([65]);
    expect(served).toEqual(['w100']);
  });

  it('deals the fewest workers of a class that keep a job from being held at a trickle, and twice those served under load', async () => {
    // 100 idle trusted workers; caps that let 9 identities pass over a job, so a batch holds at least 10.
    const { calls, queue, dispatcher, oneJob } = setUp(Array(100).fill(1), 0, undefined, { passersPerJob: 9, volunteersPerNetwork: 1 });
    await oneJob();
    await oneJob();
    // The first batch deals 64; it served one worker, so the next deals the fewest, 10, not 64 for one job.
    expect(calls.dealt).toEqual([64, 10]);
    calls.dealt = [];
    queue.queued = 100;
    dispatcher.pump();
    await dispatcher.idle();
    // Each batch served in full: twice as many workers in the next, up to 64, until every credit is used.
    expect(calls.dealt).toEqual([10, 20, 40, 30]);
    expect(queue.queued).toBe(0);
  });

  it('deals one session of a volunteer identity a batch, so the tabs of one that passed a job over cannot crowd out others', async () => {
    // 70 tabs of one volunteer identity first in the order (its identity answered the queued job), then another volunteer.
    const { served, calls, passedOver, workers, oneJob } = setUp(Array(71).fill(1), 71, (i) => (i < 70 ? 'same' : 'other'));
    for (const worker of workers.slice(0, 70)) passedOver.add(worker.name);
    await oneJob();
    expect(calls.dealt).toEqual([2]);
    expect(served).toEqual(['w70']);
  });

  it('deals at most MAX_VOTERS_PER_NETWORK volunteers of one network a batch, so identities minted on one address cannot crowd out others', async () => {
    // 70 identities of one network first in the order (its voter answered the queued job), then one of another network.
    const sameNetwork = (i: number) => (i < 70 ? 'net-a' : 'net-b');
    for (const volunteersPerNetwork of [1, 3]) {
      const rules = { passersPerJob: 17, volunteersPerNetwork };
      const { served, calls, passedOver, workers, oneJob } = setUp(Array(71).fill(1), 71, undefined, rules, sameNetwork);
      for (const worker of workers.slice(0, 70)) passedOver.add(worker.name);
      await oneJob();
      expect(calls.dealt).toEqual([volunteersPerNetwork + 1]);
      expect(served).toEqual(['w70']);
    }
  });

  it("gives a network's place to its volunteers in turn, so one the store passes over cannot hold it", async () => {
    // Two identities of one network, each dealt once already with nothing queued (idle, both missed out).
    const rules = { passersPerJob: 17, volunteersPerNetwork: 1 };
    const { served, passedOver, oneJob, dispatcher } = setUp([1, 1], 2, undefined, rules, () => 'net-a');
    for (let i = 0; i < 2; i++) {
      dispatcher.pump();
      await dispatcher.idle();
    }
    // The store passes over the first in the order (it refused the job now queued).
    passedOver.add('w0');
    await oneJob();
    expect(served).toEqual([]);
    // The next deal (a job came, or the once-a-second pump) gives the network's place to the other.
    await oneJob();
    expect(served).toEqual(['w1']);
  });

  it('deals more volunteers a batch than can have passed over one job, when the caps allow more than 64', async () => {
    // Caps that let 100 identities pass over a job: 100 that did come first, then one that may take it.
    const { served, calls, passedOver, workers, oneJob } = setUp(Array(101).fill(1), 101, undefined, { passersPerJob: 100, volunteersPerNetwork: 1 });
    for (const worker of workers.slice(0, 100)) passedOver.add(worker.name);
    await oneJob();
    expect(calls.dealt).toEqual([101]);
    expect(served).toEqual(['w100']);
  });
});
