// A master that shuts down ends the leases of the workers it hangs up on as recovered (its doing: no lease of those
// jobs is used up, MAX_LEASES), but a worker that leaves by itself while the master drains, before the master hangs up
// on it, ends its leases as at any other time: lost, counted. Before, the hub asked whether the master was closing, not
// whether it had hung up on that socket, so such a worker's leases ended recovered too. Real master, real workers: the
// drain is held open by an answer in hand whose store write the test holds back (the master waits on it before it
// hangs up on anyone).
import { afterEach, expect, it } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { capturedLog } from '../../test/support/captured-log.ts';
import { holdCalls, type HeldCalls } from '../../test/support/held-calls.ts';
import { submit, until } from '../../test/support/jobs-client.ts';
import { gridImage } from '../../test/support/synthetic-grid.ts';
import { startTestMaster, TEST_FLEET_TOKEN, tempDataDir, type TestMaster } from '../../test/support/test-master.ts';
import type { JobTransition } from '../lifecycle/job-events.ts';

const masters: TestMaster[] = [];
const workers: SyntheticWorker[] = [];
/** Store writes held back: a test that failed midway lets them go, or its master's close would wait on them forever. */
const held: HeldCalls[] = [];
afterEach(async () => {
  for (const calls of held.splice(0)) calls.release();
  for (const worker of workers.splice(0)) worker.terminate();
  for (const master of masters.splice(0)) await master.close();
});

/** A trusted worker with credit 1 that holds every job it is dealt until the test answers it. */
async function holder(master: TestMaster, name: string): Promise<SyntheticWorker> {
  const worker = await SyntheticWorker.connect({ masterUrl: master.url, name, credit: 1, hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: () => {} });
  workers.push(worker);
  return worker;
}

/** Submits one job and waits until `worker` holds it (the only worker with credit left): its id. */
async function dealtTo(master: TestMaster, worker: SyntheticWorker): Promise<string> {
  const [id] = await submit(master.url, [{ name: 'grid.jpg', bytes: gridImage }]);
  await until(() => worker.jobs.some((job) => job.header.jobId === id), `${id} to be dealt`);
  return id!;
}

it('ends the leases of a worker that leaves by itself during the drain as lost, those of one the master hangs up on as recovered', async () => {
  const { log, lines } = capturedLog();
  const dataDir = tempDataDir();
  const master = await startTestMaster({ dataDir }, {}, log);
  masters.push(master);
  const answering = await holder(master, 'answering');
  const answered = await dealtTo(master, answering);
  const leaving = await holder(master, 'leaving');
  const left = await dealtTo(master, leaving);
  const staying = await holder(master, 'staying');
  const hungUp = await dealtTo(master, staying);

  const heard = new Map<string, JobTransition[]>();
  master.events.subscribe((event) => {
    if (event.type === 'job') heard.set(event.job.id, [...(heard.get(event.job.id) ?? []), event.transition]);
  });

  // An answer in hand whose store write waits for the test: the master, closing, waits on it before it hangs up on
  // any worker, and says so once it is closing.
  const writing = holdCalls(master.store, 'complete');
  held.push(writing);
  answering.succeed(answering.jobs[0]!.header);
  await until(() => writing.count() > 0, 'the answer being written');
  const stayingClosed = staying.closed;
  const closed = master.close();
  await until(() => lines.some((line) => line.msg === 'waiting for the worker messages being handled'), 'the master waiting on the answer in hand');

  // The drain is open: a worker closing its own socket now is a worker leaving, as at any other time.
  const leavingClosed = leaving.closed;
  leaving.close();
  await leavingClosed;
  await until(() => heard.has(left), 'the job of the worker that left to be requeued');
  expect(heard.get(left)).toEqual(['lost']);

  writing.release();
  await closed;
  // The master hung up on the one that stayed, saying why.
  expect(await stayingClosed).toBe(1001);
  expect(heard.get(hungUp)).toEqual(['recovered']);
  expect(heard.get(answered)).toEqual(['completed']);

  const reopened = await startTestMaster({ dataDir });
  masters.push(reopened);
  const outcomes = async (id: string) => (await reopened.store.getDetail(id))!.timeline.map((attempt) => attempt.outcome);
  expect({ answered: await outcomes(answered), left: await outcomes(left), hungUp: await outcomes(hungUp) }).toEqual({
    answered: ['done'],
    left: ['lost'],
    hungUp: ['recovered'],
  });
});
