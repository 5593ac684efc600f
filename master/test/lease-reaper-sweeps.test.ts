// The lease reaper runs one sweep at a time: a store slower than its tick (every quarter lease) skips ticks rather
// than start sweeps that pile up, each reading and walking the same expired leases.
import { afterEach, expect, it } from 'vitest';
import { holdCalls } from '../../test/support/held-calls.ts';
import { until } from '../../test/support/jobs-client.ts';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

let master: TestMaster | undefined;
afterEach(async () => {
  await master?.close();
  master = undefined;
});

it('starts no sweep while one still waits on the store, and sweeps again once it is done', async () => {
  // A tick every 50 ms.
  master = await startTestMaster({ leaseMs: 200 });
  const reading = holdCalls(master.store, 'expiredLeases');
  await until(() => reading.count() === 1, 'a sweep reading the expired leases');
  // Twelve ticks' time: each would have begun a sweep of its own.
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(reading.count()).toBe(1);
  reading.release();
  await until(() => reading.count() > 1, 'the next sweep');
});
