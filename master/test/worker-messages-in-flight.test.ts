// A worker flooding a master whose store is slow, within the message rate: each failure it sends waits on the store,
// so without a bound the waiting handlers would pile up as fast as it sends. Past MAX_WORKER_MESSAGES_IN_FLIGHT the
// socket is hung up on, the master handles nothing more of it, and it serves other workers as before. An answer holds
// its place until the judging it leads to is done too, so a slow identity store cannot let one socket's judgings pile
// up; an honest volunteer answering within its window is then dealt no more while they wait, never hung up on.
import { afterEach, expect, it, vi } from 'vitest';
import { SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { newOwner, submit, until } from '../../test/support/jobs-client.ts';
import { gridImage, useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import { MAX_CREDIT } from '../protocol.ts';
import { Verifier, type TrustRecords } from '../trust/verification.ts';

const grid = useSyntheticGrid();
/** The least the bound may be: an honest page's most (config.ts). */
const IN_FLIGHT = 2 * MAX_CREDIT;
/** The judgings a worker answering at once has waiting when it is dealt no more: the bound less the answers that may cross a cancel. */
const JUDGINGS_HELD_BACK = IN_FLIGHT - MAX_CREDIT;

/** A failure a worker sends of a job it never held: it waits on the store like any. */
const forgedFailure = (i: number) => ({ type: 'failure' as const, jobId: `job-${i}`, leaseId: `lease-${i}`, reason: 'forged', retryable: true });

/** The master's store holds every failure written until `openStore`, as a slow store would. */
function holdFailures(master: TestMaster) {
  let openStore!: () => void;
  const storeOpen = new Promise<void>((resolve) => (openStore = resolve));
  const fail = master.store.fail.bind(master.store);
  const slowFail = vi.spyOn(master.store, 'fail').mockImplementation(async (...args) => {
    await storeOpen;
    return fail(...args);
  });
  return { slowFail, openStore };
}

it('hangs up on a worker with more than MAX_WORKER_MESSAGES_IN_FLIGHT messages waiting on a slow store, and keeps serving others', async () => {
  const master = await grid.start({ maxWorkerMessagesInFlight: IN_FLIGHT });
  const { slowFail, openStore } = holdFailures(master);
  const flooder = await grid.connect({ name: 'flooder', credit: 0 });
  let closedWith: number | undefined;
  void flooder.closed.then((code) => (closedWith = code));

  for (let i = 0; i < IN_FLIGHT; i++) flooder.send(forgedFailure(i));
  await until(() => slowFail.mock.calls.length === IN_FLIGHT, 'as many failures as the bound waiting on the store');
  expect(master.workers.size).toBe(1);
  expect(closedWith).toBeUndefined();
  // At the bound, a credit change is handled at once: it holds no place, and trips nothing.
  flooder.send({ type: 'credit', credit: 1 });
  await until(() => master.workers.all[0]!.credit === 1, 'the credit change handled');
  expect(master.hub.counters.tooManyInFlight).toBe(0);

  for (let i = IN_FLIGHT; i < 2 * IN_FLIGHT; i++) flooder.send(forgedFailure(i));
  await until(() => closedWith !== undefined, 'the flooder hung up on', 5_000);
  expect(closedWith).toBe(1008);
  expect(master.hub.counters.tooManyInFlight).toBe(1);
  expect(await fetch(`${master.url}/metrics`).then((r) => r.text())).toContain('browser_grid_worker_sockets_cut_off_total{reason="too-many-in-flight"} 1\n');
  expect(slowFail).toHaveBeenCalledTimes(IN_FLIGHT);

  openStore();
  const ids = await grid.submit(1);
  await grid.connect({ name: 'honest', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, worker) => worker.succeed(job.header) });
  await until(async () => (await fetch(`${master.url}/api/jobs/${ids[0]}`).then((r) => r.json())).status === 'done', 'a job done by another worker');
  expect(slowFail).toHaveBeenCalledTimes(IN_FLIGHT);
});

/** The identity store's trust records, their judged answers' writes held until `open`: judging volunteers waits on them. */
function slowJudging(records: TrustRecords) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const gated: TrustRecords & { held: number } = {
    held: 0,
    trustRecord: (...args) => records.trustRecord(...args),
    recordJudgedAnswer: async (...args) => {
      gated.held += 1;
      await opened;
      return records.recordJudgedAnswer(...args);
    },
    blacklist: (...args) => records.blacklist(...args),
    owedBacktracks: (...args) => records.owedBacktracks(...args),
    backtracked: (...args) => records.backtracked(...args),
    survival: (...args) => records.survival(...args),
  };
  return { gated, open };
}

let slowMaster: TestMaster | undefined;
let slowJudgingOf: ReturnType<typeof slowJudging> | undefined;
afterEach(async () => {
  // Judgings still held back would keep the master's close waiting for them.
  slowJudgingOf?.open();
  await slowMaster?.close();
  slowMaster = undefined;
  slowJudgingOf = undefined;
});

/** A master whose identity store is slow to write judged answers, and a volunteer answering every job at once, a full window of them. */
async function volunteerJudgedSlowly() {
  slowMaster = await startTestMaster(
    { maxWorkerMessagesInFlight: IN_FLIGHT },
    {
      verifier: (config, records) => {
        slowJudgingOf = slowJudging(records);
        return new Verifier(config, slowJudgingOf.gated);
      },
    },
  );
  const volunteer = await SyntheticWorker.connect({
    masterUrl: slowMaster.url,
    name: 'volunteer',
    credit: MAX_CREDIT,
    onJob: (job, worker) => worker.succeed(job.header),
  });
  const closed: { code?: number } = {};
  void volunteer.closed.then((code) => (closed.code = code));
  const owner = await newOwner(slowMaster.url);
  const submitJobs = (count: number) =>
    submit(
      slowMaster!.url,
      Array.from({ length: count }, (_, i) => ({ name: `image-${i}.jpg`, bytes: gridImage })),
      owner,
    );
  return { master: slowMaster, judging: slowJudgingOf!, volunteer, closed, submitJobs };
}

/** Jobs done, as the store counts them: one call, where asking for each job would be hundreds of requests a poll. */
const done = async (master: TestMaster) => (await master.store.counts()).done;

it('never hangs up on a volunteer answering at once within its window while the identity store is slow to judge its answers', async () => {
  const { master, judging, volunteer, closed, submitJobs } = await volunteerJudgedSlowly();
  // Test masters settle a job on one volunteer's answer, then judge its volunteers: one judged answer written per job.
  // More than it can take while its judgings wait: those it answered, and a full window dealt after them.
  const ids = await submitJobs(JUDGINGS_HELD_BACK + 2 * MAX_CREDIT);

  // Its answers' judgings waiting fill the room left for it: it is dealt no more, and still connected.
  await until(() => judging.gated.held >= JUDGINGS_HELD_BACK || closed.code !== undefined, 'the judgings held back, or the volunteer hung up on');
  expect(closed.code).toBeUndefined();
  expect(judging.gated.held).toBe(JUDGINGS_HELD_BACK);
  expect(master.lifecycle.pendingFollowUps).toBe(JUDGINGS_HELD_BACK);
  expect(master.workers.all[0]!.freeCredit).toBe(0);
  expect(await done(master)).toBe(JUDGINGS_HELD_BACK);

  // Once they are judged it is dealt again, and ends every job without ever being hung up on.
  judging.open();
  await until(async () => (await done(master)) === ids.length, 'every job done');
  expect(closed.code).toBeUndefined();
  expect(master.hub.counters.tooManyInFlight).toBe(0);
  volunteer.terminate();
});

it('counts the judgings of its answers among a worker’s messages in flight, so they cannot pile up past the bound', async () => {
  const { master, judging, volunteer, closed, submitJobs } = await volunteerJudgedSlowly();
  await submitJobs(2 * IN_FLIGHT);
  await until(() => judging.gated.held >= JUDGINGS_HELD_BACK || closed.code !== undefined, 'the judgings held back, or the volunteer hung up on');
  expect(closed.code).toBeUndefined();

  // Its failures now wait on a store held back too: with its judgings they reach the bound, and one more is refused.
  const { slowFail, openStore } = holdFailures(master);
  const room = IN_FLIGHT - JUDGINGS_HELD_BACK;
  for (let i = 0; i < room; i++) volunteer.send(forgedFailure(i));
  await until(() => slowFail.mock.calls.length === room, 'failures up to the bound waiting on the store');
  expect(closed.code).toBeUndefined();
  expect(master.hub.counters.tooManyInFlight).toBe(0);

  volunteer.send(forgedFailure(room));
  await until(() => closed.code !== undefined, 'the worker hung up on', 5_000);
  expect(closed.code).toBe(1008);
  expect(master.hub.counters.tooManyInFlight).toBe(1);
  expect(slowFail).toHaveBeenCalledTimes(room);
  openStore();
});
