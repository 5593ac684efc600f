// A worker that stops reading its socket, against a real master: what it is sent past the kernel's buffers waits in
// the master's memory, so once more than MAX_WORKER_SEND_BUFFER_BYTES of it is unread, beyond the job frames it holds,
// the master hangs up instead of sending more, and the jobs it held go back to the queue for a worker that reads. A
// worker that reads, taking several of the largest frames at once, is never hung up on.
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { getJob, newOwner, submit, until } from '../../test/support/jobs-client.ts';
import { gridImage } from '../../test/support/synthetic-grid.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import { ImagePreparer, PREPARED_TYPE, type PreparedImage } from '../images/prepared-image.ts';

/** More than the kernel's buffers take from a client that never reads (some 4 MB on loopback). */
const FRAME_BYTES = 8 * 1024 * 1024;
const SEND_BUFFER_BYTES = 1024 * 1024;

/** Prepares every upload as 8 MiB of bytes: a job frame that fills a non-reader's buffers (workers here decode nothing). */
class BulkyPreparer extends ImagePreparer {
  constructor() {
    super(224, 40_000_000);
  }

  override prepare(): Promise<PreparedImage> {
    return Promise.resolve({ bytes: randomBytes(FRAME_BYTES), contentType: PREPARED_TYPE });
  }
}

let master: TestMaster | undefined;
const workers: SyntheticWorker[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) worker.terminate();
  await master?.close();
  master = undefined;
});

/** A trusted worker (the fleet's), so that one answer ends a job. */
async function connect(name: string, credit: number, onJob?: SyntheticWorkerOptions['onJob']): Promise<SyntheticWorker> {
  const worker = await SyntheticWorker.connect({ masterUrl: master!.url, name, credit, hello: { fleetToken: TEST_FLEET_TOKEN }, onJob });
  workers.push(worker);
  return worker;
}

const statuses = (ids: string[]) => Promise.all(ids.map(async (id) => (await getJob(master!.url, id)).status));

it('hangs up on a worker that stops reading once MAX_WORKER_SEND_BUFFER_BYTES beyond its jobs is unread, and its jobs go to one that reads', async () => {
  // Heartbeats far apart: the missed-pong check would cut the reader off too, only much later.
  master = await startTestMaster(
    { maxWorkerSendBufferBytes: SEND_BUFFER_BYTES, maxUploadBytes: SEND_BUFFER_BYTES, heartbeatMs: 3_600_000 },
    { preparer: new BulkyPreparer() },
  );
  const deaf = await connect('deaf', 2);
  deaf.goSilent();
  const owner = await newOwner(master.url);
  const [deleted, kept] = await submit(
    master.url,
    ['a.jpg', 'b.jpg'].map((name) => ({ name, bytes: gridImage })),
    owner,
  );
  await until(() => master!.workers.all[0]?.leases.length === 2, 'both jobs dealt to the worker that stopped reading');
  // Its two frames are owed to it, however little it took of them: it holds both jobs, still connected.
  expect(master.workers.size).toBe(1);
  expect(master.hub.counters.notReading).toBe(0);

  // One job deleted: its frame, partly unread, is owed no longer, and the cancel finds the bound passed.
  expect((await fetch(`${master.url}/api/jobs/${deleted}`, { method: 'DELETE', headers: owner })).status).toBe(204);
  await until(() => master!.workers.size === 0, 'the worker that stopped reading hung up on', 10_000);
  expect(master.hub.counters.notReading).toBe(1);
  await until(async () => (await getJob(master!.url, kept!)).status === 'queued', 'its other job requeued');

  // A worker that reads, one job at a time, gets it whole and finishes it.
  const reader = await connect('reader', 1, (job, worker) => worker.succeed(job.header));
  await until(async () => (await getJob(master!.url, kept!)).status === 'done', 'done by the reader');
  expect(reader.jobs.map((job) => job.image.length)).toEqual([FRAME_BYTES]);
  const detail = await getJob(master.url, kept!);
  expect(detail.timeline.map((attempt) => [attempt.workerName, attempt.outcome])).toEqual([
    ['deaf', 'lost'],
    ['reader', 'done'],
  ]);
  expect(master.hub.counters.notReading).toBe(1);
});

it('never hangs up on a worker that reads, dealt several of the largest frames at once', async () => {
  master = await startTestMaster(
    { maxWorkerSendBufferBytes: FRAME_BYTES, maxUploadBytes: FRAME_BYTES, heartbeatMs: 3_600_000 },
    { preparer: new BulkyPreparer() },
  );
  const owner = await newOwner(master.url);
  const ids = await submit(
    master.url,
    Array.from({ length: 8 }, (_, i) => ({ name: `image-${i}.jpg`, bytes: gridImage })),
    owner,
  );
  const reader = await connect('reader', 4, (job, worker) => worker.succeed(job.header));
  await until(
    async () => master!.hub.counters.notReading > 0 || (await statuses(ids)).every((status) => status === 'done'),
    'every job done, or the reader hung up on',
  );
  expect(await statuses(ids)).toEqual(ids.map(() => 'done'));
  expect(master.hub.counters.notReading).toBe(0);
  expect(reader.jobs).toHaveLength(8);
});
