// Every hang-up on a worker socket is counted by why, in /metrics' browser_grid_worker_sockets_cut_off_total: an
// operator under attack sees there what the master refused, whichever bound was passed.
import { expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import { CloseCode } from '../protocol.ts';

const grid = useSyntheticGrid();
const LIMIT = 3;

async function cutOffCount(reason: string): Promise<string | undefined> {
  const metrics = await fetch(`${grid.master.url}/metrics`).then((response) => response.text());
  return new RegExp(`^browser_grid_worker_sockets_cut_off_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(metrics)?.[1];
}

it('counts a worker hung up on for too many malformed messages, once', async () => {
  await grid.start({ maxMalformedMessages: LIMIT });
  const worker = await grid.connect({ name: 'garbler', credit: 0 });
  for (let i = 0; i < 2 * LIMIT; i++) worker.send('{ not json');
  expect(await worker.closed).toBe(1008);
  expect(grid.master.hub.counters.tooManyMalformed).toBe(1);
  expect(await cutOffCount('too-many-malformed')).toBe('1');
});

it('counts a worker hung up on for too many refused answers, once', async () => {
  await grid.start({ maxRefusedMessages: LIMIT });
  const worker = await grid.connect({ name: 'forger', credit: 0 });
  let closedWith: number | undefined;
  void worker.closed.then((code) => (closedWith = code));
  for (let i = 0; i < LIMIT; i++) worker.send({ type: 'failure', jobId: `job-${i}`, leaseId: `lease-${i}`, reason: 'forged', retryable: true });
  await until(() => closedWith !== undefined, 'the forger hung up on');
  expect(closedWith).toBe(1008);
  expect(grid.master.hub.counters.tooManyRefused).toBe(1);
  expect(await cutOffCount('too-many-refused-answers')).toBe('1');
});

it('counts a worker hung up on for a blacklisted identity, once', async () => {
  const adminToken = 'admin-token-of-this-test';
  await grid.start({ adminToken });
  const worker = await grid.connect({ name: 'revoked', credit: 0 });
  const closed = worker.closed;
  const revoked = await fetch(`${grid.master.url}/api/workers/${worker.welcome.identity.workerId}/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(revoked.status).toBe(200);
  expect(await closed).toBe(CloseCode.identityRevoked);
  expect(grid.master.hub.counters.blacklisted).toBe(1);
  expect(await cutOffCount('blacklisted')).toBe('1');
});
