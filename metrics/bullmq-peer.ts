// BullMQ on the same Redis, for bench:dispatch --peer bullmq: the queue a user
// would otherwise pick, measured the way it is usually run. One process holds a
// Queue and a Worker (concurrency 128), jobs go in with addBulk in chunks of
// 1,000 and are removed on completion, and the processor does nothing, so what
// is timed is BullMQ's add → fetch → complete in Redis. Everything it wrote is
// deleted after, also when it fails.
import { createRequire } from 'node:module';
import { Queue, Worker, type Job } from 'bullmq';
import { clearPrefix } from './scale-redis.ts';

export interface BullmqPeerOptions {
  redisUrl: string;
  /** BullMQ's key prefix (its keys are `<prefix>:<queue>:…`); every key under `<prefix>:` is deleted after. */
  prefix: string;
  jobs: number;
  concurrency?: number;
  /** Jobs per addBulk call. */
  chunk?: number;
}

export interface BullmqPeerRun {
  /** From the first addBulk to the last job's completion. */
  jobsPerSecond: number;
  /** How many times the processor ran for each job, by the index it was added with. */
  processed: Map<number, number>;
  /** How many `completed` events each job id got. */
  completed: Map<string, number>;
}

export const bullmqVersion = (): string => (createRequire(import.meta.url)('bullmq/package.json') as { version: string }).version;

export async function runBullmqPeer({ redisUrl, prefix, jobs, concurrency = 128, chunk = 1000 }: BullmqPeerOptions): Promise<BullmqPeerRun> {
  if (!(jobs >= 1 && concurrency >= 1 && chunk >= 1)) throw new Error('runBullmqPeer: jobs, concurrency and chunk must be at least 1');
  // A worker's blocking connection must not give up on a command (BullMQ refuses it otherwise).
  const connection = { url: redisUrl, maxRetriesPerRequest: null };
  const name = 'peer';
  const processed = new Map<number, number>();
  const completed = new Map<string, number>();
  const queue = new Queue(name, { connection, prefix });
  // The processor only counts its call (no-op otherwise), so the test can tell a job processed twice.
  const worker = new Worker(name, async (job: Job<{ i: number }>) => void processed.set(job.data.i, (processed.get(job.data.i) ?? 0) + 1), {
    connection,
    prefix,
    concurrency,
  });
  try {
    const done = new Promise<void>((resolve, reject) => {
      worker.on('completed', (job) => {
        completed.set(job.id!, (completed.get(job.id!) ?? 0) + 1);
        if (completed.size === jobs) resolve();
      });
      // A no-op cannot fail: a failure is the peer not working, not a figure.
      worker.on('failed', (job, error) => reject(new Error(`BullMQ job ${job?.id} failed: ${error.message}`)));
      worker.on('error', reject);
    });
    // A failure while jobs are still being added is handled where `done` is awaited, not reported as unhandled.
    done.catch(() => undefined);
    // The worker runs from its creation: connected before the clock, as ours are.
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    const started = performance.now();
    for (let sent = 0; sent < jobs; sent += chunk) {
      const batch = Array.from({ length: Math.min(chunk, jobs - sent) }, (_, k) => ({
        name: 'noop',
        data: { i: sent + k },
        opts: { removeOnComplete: true },
      }));
      await queue.addBulk(batch);
    }
    await done;
    return { jobsPerSecond: jobs / ((performance.now() - started) / 1000), processed, completed };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    // obliterate removes the queue's own keys; anything else under the prefix (none expected) goes too.
    await clearPrefix({ url: redisUrl }, `${prefix}:`);
  }
}
