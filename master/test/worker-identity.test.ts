// Worker identities through the real master: a new worker is issued an id and a signed token, keeps
// them across reconnects and restarts (and across masters sharing Redis), is given a fresh token at each hello, only
// the fleet token makes a worker trusted, and a forged, foreign, expired or revoked token is refused with its own
// close code.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { WorkerRefusedError, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { devImages } from '../../test/support/paths.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../../test/support/test-master.ts';
import { useTestMasters, type MasterStore } from '../../test/support/test-masters.ts';
import type { JobView, WorkerView } from '../api-types.ts';
import { derivedFleetToken, newWorkerId, WorkerTokens } from '../identity/worker-tokens.ts';
import { CloseCode, tokenParts, type WorkerClass, type WorkerIdentity } from '../protocol.ts';

const image = fs.readFileSync(devImages(1)[0]!.path);
const FLEET_TOKEN = 'the-fleet-token-of-this-test';
const ADMIN_TOKEN = 'admin-token-of-this-test';
const DAY = 24 * 3_600_000;

const grid = useTestMasters();
const master = (overrides: Parameters<typeof startTestMaster>[0] = {}, store: MasterStore = 'sqlite', log?: pino.Logger) =>
  grid.start(store, { fleetToken: FLEET_TOKEN, adminToken: ADMIN_TOKEN, ...overrides }, {}, log);

/** A master started with no FLEET_TOKEN, and the fleet token in the operator's worker page it logs at start (undefined: none logged). */
async function withoutFleetToken(overrides: Parameters<typeof startTestMaster>[0] = {}, store: MasterStore = 'sqlite') {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const m = await master({ fleetToken: undefined, ...overrides }, store, log);
  const page = lines.map((line) => JSON.parse(line) as { workerPage?: string }).find((entry) => entry.workerPage)?.workerPage;
  const token = page && new URL(page).hash.match(/^#fleet-token=(.+)$/)?.[1];
  if (page) expect(page.startsWith(`${m.url}/worker#`)).toBe(true);
  return { m, token };
}
const connect = grid.connect;

/** The close code and reason a hello is refused with. */
async function refusal(on: TestMaster, options: Omit<SyntheticWorkerOptions, 'masterUrl'>) {
  const error = await connect(on, options).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkerRefusedError);
  const { code, reason } = error as WorkerRefusedError;
  return { code, reason };
}

const listed = async (on: TestMaster) => ((await fetch(`${on.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] }).workers;

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The token with one character of its signature changed. */
const tampered = ({ workerId, token }: WorkerIdentity): WorkerIdentity => ({
  workerId,
  token: `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`,
});

describe('worker identity', () => {
  it('issues a new worker an id and token, and a worker returning with them stays the same identity', async () => {
    const m = await master();
    const first = await connect(m, { name: 'tab' });
    const { identity, workerClass } = first.welcome;
    expect(workerClass).toBe('volunteer');
    expect(identity.workerId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(identity.token).toMatch(/^\d+\.[A-Za-z0-9_-]{43}$/);
    first.terminate();
    const again = await connect(m, { name: 'another name', hello: { identity } });
    expect(again.welcome.identity.workerId).toBe(identity.workerId);
    expect(await listed(m)).toMatchObject([{ workerId: identity.workerId, workerClass: 'volunteer', name: 'another name' }]);
    // Names claim nothing: a second worker with the same name is another identity.
    const namesake = await connect(m, { name: 'another name' });
    expect(namesake.welcome.identity.workerId).not.toBe(identity.workerId);
  });

  it('makes only a worker with the fleet token trusted, whatever kind or name it claims', async () => {
    const m = await master();
    const fleet = await connect(m, { name: 'headless-1', hello: { fleetToken: FLEET_TOKEN } });
    expect(fleet.welcome.workerClass).toBe('trusted');
    const impostor = await connect(m, { name: 'headless-1', hello: { kind: 'headless' } });
    expect(impostor.welcome.workerClass).toBe('volunteer');
    const views = await listed(m);
    expect(views.map((view) => [view.name, view.workerClass]).sort()).toEqual([
      ['headless-1', 'trusted'],
      ['headless-1', 'volunteer'],
    ]);

    expect(await refusal(m, { hello: { fleetToken: 'a-guess-at-the-fleet-token' } })).toEqual({ code: CloseCode.badFleetToken, reason: 'fleet token refused' });
    // A trusted identity is worth nothing without the fleet token it came with.
    expect(await refusal(m, { hello: { identity: fleet.welcome.identity } })).toEqual({
      code: CloseCode.fleetTokenRequired,
      reason: 'a trusted identity needs the fleet token',
    });
    const back = await connect(m, { hello: { identity: fleet.welcome.identity, fleetToken: FLEET_TOKEN } });
    expect(back.welcome).toMatchObject({ identity: { workerId: fleet.welcome.identity.workerId }, workerClass: 'trusted' });
  });

  it("without FLEET_TOKEN, logs the operator's worker page with a fleet token made from the secret: kept across a restart", async () => {
    const dataDir = tempDataDir();
    const first = await withoutFleetToken({ dataDir });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await connect(first.m, { hello: { fleetToken: first.token! } })).welcome.workerClass).toBe('trusted');
    expect(await refusal(first.m, { hello: { fleetToken: FLEET_TOKEN } })).toEqual({ code: CloseCode.badFleetToken, reason: 'fleet token refused' });
    await first.m.close();
    const restarted = await withoutFleetToken({ dataDir });
    expect(restarted.token).toBe(first.token);
    // A master given a FLEET_TOKEN logs no page, and takes no other token.
    await restarted.m.close();
    const configured = await withoutFleetToken({ dataDir, fleetToken: FLEET_TOKEN });
    expect(configured.token).toBeUndefined();
    expect((await refusal(configured.m, { hello: { fleetToken: first.token! } })).code).toBe(CloseCode.badFleetToken);
  });

  it('with FLEET_TOKEN=off, makes no fleet token: none is logged, and the one the secret would make is refused', async () => {
    const workerTokenSecret = 's'.repeat(32);
    const off = await withoutFleetToken({ workerTokenSecret, fleetToken: null });
    expect(off.token).toBeUndefined();
    expect((await refusal(off.m, { hello: { fleetToken: derivedFleetToken(workerTokenSecret) } })).code).toBe(CloseCode.badFleetToken);
  });

  it('makes the same fleet token on masters sharing Redis, and another for another secret', async () => {
    const redisPrefix = grid.redisPrefix();
    const a = await withoutFleetToken({ redisPrefix }, 'redis');
    const b = await withoutFleetToken({ redisPrefix }, 'redis');
    expect(b.token).toBe(a.token);
    expect((await connect(b.m, { hello: { fleetToken: a.token! } })).welcome.workerClass).toBe('trusted');
    const other = await withoutFleetToken();
    expect(other.token).not.toBe(a.token);
  });

  it('refuses a forged token, and one signed by masters with another secret', async () => {
    const m = await master();
    const { identity } = (await connect(m)).welcome;
    const forged = { code: CloseCode.badIdentityToken, reason: 'worker identity token does not verify' };
    expect(await refusal(m, { hello: { identity: tampered(identity) } })).toEqual(forged);
    expect(await refusal(m, { hello: { identity: { ...identity, workerId: `${identity.workerId}x` } } })).toEqual(forged);
    const other = await master({ workerTokenSecret: 'x'.repeat(40) });
    expect(await refusal(other, { hello: { identity } })).toEqual(forged);
  });

  it('renews the token at each hello, same id and class; refuses one older than IDENTITY_TOKEN_MAX_AGE_MS, or undated, with 4008', async () => {
    const secret = 'the-token-secret-of-this-test-'.repeat(2);
    const m = await master({ workerTokenSecret: secret, identityTokenMaxAgeMs: 30 * DAY });
    const issuedDaysAgo = (days: number, workerId = newWorkerId(), workerClass: WorkerClass = 'volunteer') =>
      new WorkerTokens(secret, 30 * DAY, () => Date.now() - days * DAY).renew(workerId, workerClass);
    const old = issuedDaysAgo(10);
    const helloAt = Date.now();
    const welcomed = (await connect(m, { hello: { identity: old } })).welcome;
    expect(welcomed).toMatchObject({ identity: { workerId: old.workerId }, workerClass: 'volunteer' });
    expect(tokenParts(welcomed.identity.token)!.issuedAt).toBeGreaterThanOrEqual(helloAt);
    expect((await connect(m, { hello: { identity: welcomed.identity } })).welcome.identity.workerId).toBe(old.workerId);
    // The fleet's trusted identities are renewed too.
    const fleet = issuedDaysAgo(29, newWorkerId(), 'trusted');
    expect((await connect(m, { hello: { identity: fleet, fleetToken: FLEET_TOKEN } })).welcome).toMatchObject({
      identity: { workerId: fleet.workerId },
      workerClass: 'trusted',
    });

    const expired = { code: CloseCode.identityExpired, reason: 'worker identity token expired (unused too long)' };
    const stale = issuedDaysAgo(31);
    expect(await refusal(m, { hello: { identity: stale } })).toEqual(expired);
    expect((await fetch(`${m.url}/api/volunteers/me`, { headers: { 'x-worker-id': stale.workerId, 'x-worker-token': stale.token } })).status).toBe(403);
    // A token from before tokens expired (the HMAC over id and class alone) is refused as expired: the page asks for a new identity.
    const undated = { workerId: old.workerId, token: createHmac('sha256', secret).update(`${old.workerId}.volunteer`).digest('base64url') };
    expect(await refusal(m, { hello: { identity: undated } })).toEqual(expired);
  });

  it('sends a page connected a quarter of IDENTITY_TOKEN_MAX_AGE_MS a fresh token with a heartbeat, so it never holds an expired one', async () => {
    const m = await master({ identityTokenMaxAgeMs: 2_000, heartbeatMs: 100 });
    const worker = await connect(m);
    const welcomed = worker.welcome.identity;
    const renewals = () => worker.messages.flatMap((message) => (message.type === 'heartbeat' && message.identity ? [message.identity] : []));
    await until(() => renewals().length > 0, 'a renewed token');
    const renewed = renewals()[0]!;
    expect(renewed.workerId).toBe(welcomed.workerId);
    expect(tokenParts(renewed.token)!.issuedAt).toBeGreaterThan(tokenParts(welcomed.token)!.issuedAt);
    worker.terminate();
    expect((await connect(m, { hello: { identity: renewed } })).welcome.identity.workerId).toBe(welcomed.workerId);
  });

  it('revokes an identity by admin request: its socket closes, and it is refused from then on', async () => {
    const m = await master();
    const worker = await connect(m);
    const { workerId } = worker.welcome.identity;
    const revoke = (token?: string) =>
      fetch(`${m.url}/api/workers/${workerId}/revoke`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
    expect((await revoke()).status).toBe(401);
    const closed = worker.closed;
    const response = await revoke(ADMIN_TOKEN);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ workerId, revoked: true, disconnected: 1 });
    expect(await closed).toBe(CloseCode.identityRevoked);
    expect(await refusal(m, { hello: { identity: worker.welcome.identity } })).toEqual({ code: CloseCode.identityRevoked, reason: 'worker identity revoked' });
    expect((await fetch(`${m.url}/api/workers/not-an-id/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(400);
  });

  it('keeps identities across a restart with no configured secret, and a revocation too', async () => {
    const dataDir = tempDataDir();
    const first = await master({ dataDir });
    const kept = (await connect(first)).welcome.identity;
    const revoked = (await connect(first)).welcome.identity;
    await fetch(`${first.url}/api/workers/${revoked.workerId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await first.close();
    const restarted = await master({ dataDir });
    expect((await connect(restarted, { hello: { identity: kept } })).welcome.identity.workerId).toBe(kept.workerId);
    expect((await refusal(restarted, { hello: { identity: revoked } })).code).toBe(CloseCode.identityRevoked);
  });

  it('shares identities and revocations between masters on one Redis, with no configured secret', async () => {
    const redisPrefix = grid.redisPrefix();
    const [a, b] = [await master({ redisPrefix }, 'redis'), await master({ redisPrefix }, 'redis')];
    const identity = (await connect(a)).welcome.identity;
    expect((await connect(b, { hello: { identity } })).welcome.identity.workerId).toBe(identity.workerId);
    await fetch(`${a.url}/api/workers/${identity.workerId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect((await refusal(b, { hello: { identity } })).code).toBe(CloseCode.identityRevoked);
  });

  it('issues one address at most MAX_NEW_IDENTITIES_PER_ADDRESS new volunteer identities a window, and says so', async () => {
    const m = await master({ maxNewIdentitiesPerAddress: 3, newIdentityWindowMs: 60_000 });
    const issued = [];
    for (let i = 0; i < 3; i++) issued.push((await connect(m, { localAddress: '127.0.0.2' })).welcome.identity);
    const refused = await refusal(m, { localAddress: '127.0.0.2' });
    expect(refused.code).toBe(CloseCode.tooManyNewIdentities);
    expect(refused.reason).toMatch(/^over 3 new identities from your address in 1 min; try again in \d+ s$/);
    // An identity it was issued still comes back; another address, and the operator's fleet, are not counted.
    expect((await connect(m, { localAddress: '127.0.0.2', hello: { identity: issued[0]! } })).welcome.identity.workerId).toBe(issued[0]!.workerId);
    expect((await connect(m, { localAddress: '127.0.0.3' })).welcome.workerClass).toBe('volunteer');
    expect((await connect(m, { localAddress: '127.0.0.2', hello: { fleetToken: FLEET_TOKEN } })).welcome.workerClass).toBe('trusted');
  });

  it('counts new identities per address across masters sharing Redis', async () => {
    const redisPrefix = grid.redisPrefix();
    const limits = { redisPrefix, maxNewIdentitiesPerAddress: 2, newIdentityWindowMs: 60_000 };
    const [a, b] = [await master(limits, 'redis'), await master(limits, 'redis')];
    await connect(a, { localAddress: '127.0.0.4' });
    await connect(b, { localAddress: '127.0.0.4' });
    expect((await refusal(a, { localAddress: '127.0.0.4' })).code).toBe(CloseCode.tooManyNewIdentities);
    expect((await refusal(b, { localAddress: '127.0.0.4' })).code).toBe(CloseCode.tooManyNewIdentities);
  });

  it('records on each result the identity and class of the worker that answered', async () => {
    const m = await master();
    const volunteer = await connect(m, { onJob: (job, w) => w.succeed(job.header, 7) });
    const data = new FormData();
    data.append('image', new Blob([new Uint8Array(image)]), 'a.jpg');
    const [job] = ((await fetch(`${m.url}/api/jobs`, { method: 'POST', body: data }).then((r) => r.json())) as { jobs: JobView[] }).jobs;
    let done: JobView | undefined;
    await until(async () => (done = (await fetch(`${m.url}/api/jobs/${job!.id}`).then((r) => r.json())) as JobView).status === 'done', 'the job done');
    expect(done!.result).toMatchObject({ workerId: volunteer.welcome.identity.workerId, workerClass: 'volunteer' });
  });
});
