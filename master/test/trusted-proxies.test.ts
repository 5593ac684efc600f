// TRUSTED_PROXIES through a real master: the test's own connections (from 127.0.0.1) stand for a reverse proxy, and
// each request's X-Forwarded-For for the client behind it. Every per-address limit counts that client, a volunteer
// votes and is dealt from its network, and the proxy's connections meet only the master's total; from a peer that is
// no trusted proxy, the header is never read.
import { afterEach, expect, it, vi } from 'vitest';
import { RequestRate } from '../http/request-rate.ts';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { getJob, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { request, useRawHttp } from '../../test/support/raw-http.ts';
import { DEFAULT_VERIFICATION } from '../../test/support/verification-policy.ts';

const { start, connect } = useRawHttp();
const workers: SyntheticWorker[] = [];
afterEach(() => {
  for (const worker of workers.splice(0)) worker.terminate();
  vi.restoreAllMocks();
});

/** GET /api/jobs as a proxy forwarding `client`: its status. */
const listAs = (url: string, client: string) => fetch(`${url}/api/jobs`, { headers: { 'X-Forwarded-For': client } }).then((r) => r.status);

it('counts requests through a trusted proxy by the address it forwarded: each client has an allowance of its own', async () => {
  const master = await start({ trustedProxies: '127.0.0.1', apiRequestsPerWindow: 2 });
  expect([await listAs(master.url, '203.0.113.1'), await listAs(master.url, '203.0.113.1'), await listAs(master.url, '203.0.113.1')]).toEqual([200, 200, 429]);
  expect(await listAs(master.url, '203.0.113.2')).toBe(200);
});

it('reads no X-Forwarded-For from a peer that is no trusted proxy: clients naming other addresses share its allowance', async () => {
  const master = await start({ trustedProxies: '10.0.0.0/8', apiRequestsPerWindow: 2 });
  expect([await listAs(master.url, '203.0.113.1'), await listAs(master.url, '203.0.113.2'), await listAs(master.url, '203.0.113.3')]).toEqual([200, 200, 429]);
});

it("lets a trusted proxy's connections pass MAX_CONNECTIONS_PER_ADDRESS: they carry many clients", async () => {
  const master = await start({ trustedProxies: '127.0.0.1', maxConnectionsPerAddress: 3 });
  for (let i = 0; i < 3; i++) await connect(master);
  expect((await request(master, { path: '/livez' })).status).toBe(200);
});

const modelHashes = new Map<string, string>();

/** A synthetic worker whose socket a proxy forwards from `client`. */
async function workerFrom(url: string, client: string, onJob?: SyntheticWorkerOptions['onJob']): Promise<SyntheticWorker> {
  // Asked once a master, so that the test's own requests leave the allowances to the sockets.
  const modelHash = modelHashes.get(url) ?? ((await fetch(`${url}/api/model`).then((r) => r.json())) as { hash: string }).hash;
  modelHashes.set(url, modelHash);
  const worker = await SyntheticWorker.connect({ masterUrl: url, modelHash, headers: { 'X-Forwarded-For': client }, onJob });
  workers.push(worker);
  return worker;
}

it('counts the worker sockets opened through a trusted proxy against the forwarded address, each its own allowance', async () => {
  const master = await start({ trustedProxies: '127.0.0.1', apiRequestsPerWindow: 2 });
  // A socket opened is a request of its forwarded client's.
  await workerFrom(master.url, '203.0.113.1');
  await workerFrom(master.url, '203.0.113.2');
  await workerFrom(master.url, '203.0.113.1');
  await expect(workerFrom(master.url, '203.0.113.1')).rejects.toThrow(/429/);
});

it('caps the worker sockets one client behind a trusted proxy holds open at MAX_CONNECTIONS_PER_ADDRESS', async () => {
  const master = await start({ trustedProxies: '127.0.0.1', maxConnectionsPerAddress: 2 });
  const held = [await workerFrom(master.url, '203.0.113.1'), await workerFrom(master.url, '203.0.113.1')];
  await expect(workerFrom(master.url, '203.0.113.1')).rejects.toThrow(/429/);
  await workerFrom(master.url, '203.0.113.2');
  // A socket closed gives its place back.
  held[0]!.terminate();
  await until(async () => (await workerFrom(master.url, '203.0.113.1').catch(() => null)) !== null, 'a free place for 203.0.113.1');
});

it('caps them while their request rate is being counted: the place is taken before the count, not after', async () => {
  const master = await start({ trustedProxies: '127.0.0.1', maxConnectionsPerAddress: 2 });
  await workerFrom(master.url, '203.0.113.9'); // another client's, which learns the model's hash before the counts are held
  // Each count held, as a Redis round trip holds it (masters sharing a store count rates there).
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const count = RequestRate.prototype.count;
  vi.spyOn(RequestRate.prototype, 'count').mockImplementation(async function (this: RequestRate, address: string) {
    await held;
    return count.call(this, address);
  });
  const outcomes: string[] = [];
  const opening = Array.from({ length: 5 }, () =>
    workerFrom(master.url, '203.0.113.1').then(
      () => void outcomes.push('open'),
      (error: Error) => void outcomes.push(error.message),
    ),
  );
  try {
    // Before, all five passed the cap while their counts were on the way, and each became a worker's socket.
    await until(() => outcomes.length === 3, 'three refused while the first two are counted');
    expect(outcomes.every((outcome) => /429/.test(outcome))).toBe(true);
  } finally {
    release();
  }
  await Promise.all(opening);
  expect(outcomes.filter((outcome) => outcome === 'open')).toHaveLength(2);
});

it('gives back the place of an upgrade refused while it was counted', async () => {
  const master = await start({ trustedProxies: '127.0.0.1', maxConnectionsPerAddress: 1 });
  await workerFrom(master.url, '203.0.113.9'); // another client's, which learns the model's hash
  const unavailable = new Error('the rate store is away');
  vi.spyOn(RequestRate.prototype, 'count').mockRejectedValueOnce(unavailable).mockRejectedValueOnce(unavailable);
  await expect(workerFrom(master.url, '203.0.113.1')).rejects.toThrow(/503/);
  await expect(workerFrom(master.url, '203.0.113.1')).rejects.toThrow(/503/);
  // Its one place is free once the refused sockets have closed: had a refusal kept it, this would be 429 for good.
  await until(async () => (await workerFrom(master.url, '203.0.113.1').catch(() => null)) !== null, 'a worker socket for 203.0.113.1');
});

it('deals a job to volunteers behind a trusted proxy by the network each was forwarded from', async () => {
  const master = await start({ ...DEFAULT_VERIFICATION, trustedProxies: '127.0.0.1' });
  const [id] = await submit(master.url, uploadsFrom(devImages(1).map((image) => image.path)));
  const volunteer = (client: string) => workerFrom(master.url, client, (job, self) => self.succeed(job.header, 7));
  const votes = (count: number) => until(async () => (await getJob(master.url, id!)).votes === count, `${count} votes`);
  await volunteer('203.0.113.1');
  await votes(1);
  // A new identity forwarded from the voter's address is of its network; one from another address is not.
  const sameNetwork = await volunteer('203.0.113.1');
  const other = await volunteer('203.0.113.2');
  await votes(2);
  expect(other.jobs.map((job) => job.header.jobId)).toEqual([id]);
  expect(sameNetwork.jobs).toEqual([]);
});
