// A worker page whose identity the admin revokes, in real Chromium against a real master: the master closes its socket
// with 4004, and the page forgets that identity and comes back, without a click, as a new one.
import { expect, it } from 'vitest';
import type { WorkerView } from '../../master/api-types.ts';
import { ADMIN_TOKEN, useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness();

it('forgets an identity the admin revoked and is issued a new one', async () => {
  const { page } = await ui.open('/worker?autostart=1&name=revoked-tab');
  await page.waitForFunction(() => window.__gridWorker?.workerId, { timeout: 90_000 });
  const revoked = (await page.evaluate(() => window.__gridWorker!.workerId))!;

  const response = await fetch(`${ui.master.url}/api/workers/${revoked}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(await response.json()).toEqual({ workerId: revoked, revoked: true, disconnected: 1 });

  await page.waitForFunction((old) => ![null, old].includes(window.__gridWorker?.workerId ?? null), { timeout: 60_000 }, revoked);
  const renewed = (await page.evaluate(() => window.__gridWorker!.workerId))!;
  expect(await page.evaluate(() => JSON.parse(localStorage.getItem('grid-worker-identity') ?? 'null')?.workerId)).toBe(renewed);
  const { workers } = (await fetch(`${ui.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
  expect(workers.filter((worker) => worker.name === 'revoked-tab').map((worker) => worker.workerId)).toEqual([renewed]);
});
