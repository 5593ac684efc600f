// A worker flooding a master whose store is slow, within the message rate: each failure it sends waits on the store,
// so without a bound the waiting handlers would pile up as fast as it sends. Past MAX_WORKER_MESSAGES_IN_FLIGHT the
// socket is hung up on, the master handles nothing more of it, and it serves other workers as before.
import { expect, it, vi } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import { TEST_FLEET_TOKEN } from '../../test/support/test-master.ts';
import { MAX_CREDIT } from '../protocol.ts';

const grid = useSyntheticGrid();
/** The least the bound may be: a page's full window of answers, with room to spare. */
const IN_FLIGHT = MAX_CREDIT + 2;

it('hangs up on a worker with more than MAX_WORKER_MESSAGES_IN_FLIGHT messages waiting on a slow store, and keeps serving others', async () => {
  const master = await grid.start({ maxWorkerMessagesInFlight: IN_FLIGHT });
  let openStore!: () => void;
  const storeOpen = new Promise<void>((resolve) => (openStore = resolve));
  const fail = master.store.fail.bind(master.store);
  const slowFail = vi.spyOn(master.store, 'fail').mockImplementation(async (...args) => {
    await storeOpen;
    return fail(...args);
  });
  const flooder = await grid.connect({ name: 'flooder', credit: 0 });
  let closedWith: number | undefined;
  void flooder.closed.then((code) => (closedWith = code));
  const forgedFailure = (i: number) => ({ type: 'failure' as const, jobId: `job-${i}`, leaseId: `lease-${i}`, reason: 'forged', retryable: true });

  for (let i = 0; i < IN_FLIGHT; i++) flooder.send(forgedFailure(i));
  await until(() => slowFail.mock.calls.length === IN_FLIGHT, 'as many failures as the bound waiting on the store');
  expect(master.workers.size).toBe(1);
  expect(closedWith).toBeUndefined();

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
