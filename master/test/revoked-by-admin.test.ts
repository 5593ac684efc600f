// The admin's revocation (POST /api/workers/:workerId/revoke) blacklists the identity, through the path a caught liar
// takes, through a real master on both stores: the job its answer verified is verified again, its votes count for
// nothing, its socket here is closed (4004), and one on another master sharing the store is closed at once too, what
// it held there requeued. Before, revoking only refused its token and closed its sockets here: its waiting votes still
// counted, the job it alone verified stayed verified, and its sockets elsewhere kept answering (later, until their
// next answer, which counted for nothing: master/test/blacklisted-elsewhere.test.ts, a master the relay did not reach).
import { describe, expect, it } from 'vitest';
import type { SyntheticJob } from '../../metrics/synthetic-worker.ts';
import { getJob, settled, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { redisAdmin, TEST_REDIS_URL } from '../../test/support/stores.ts';
import { TEST_FLEET_TOKEN } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { JobResult } from '../api-types.ts';
import { CloseCode } from '../protocol.ts';
import { Verifier } from '../trust/verification.ts';

const ADMIN_TOKEN = 'admin-token-of-this-test';
const uploads = uploadsFrom(devImages(1).map((image) => image.path));
const grid = useTestMasters();

const revoke = (masterUrl: string, workerId: string) =>
  fetch(`${masterUrl}/api/workers/${workerId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

describe.each(['sqlite', 'redis'] as const)('an identity revoked by the admin, on the %s store', (storeName) => {
  it('is blacklisted: the job it verified is verified again, its votes count for nothing, its socket closes with 4004', async () => {
    let verifier: Verifier | undefined;
    const m = await grid.start(storeName, { adminToken: ADMIN_TOKEN }, { verifier: (config, records) => (verifier = new Verifier(config, records)) });
    const [id] = await submit(m.url, uploads);
    // On a test master one volunteer's answer settles a job.
    const volunteer = await grid.connect(m, { name: 'revoked', onJob: (j, self) => self.succeed(j.header, 3) });
    const { workerId } = volunteer.welcome.identity;
    const [done] = await settled(m.url, [id!], 20_000);
    expect(done!.result!.verification).toMatchObject({ state: 'verified', replicas: [{ workerId, agreed: true }] });

    const closed = volunteer.closed;
    const response = await revoke(m.url, workerId);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ workerId, revoked: true, disconnected: 1 });
    expect(await closed).toBe(CloseCode.identityRevoked);
    expect(await verifier!.recordOf(workerId)).toMatchObject({ blacklisted: true, blacklistedReason: 'revoked by the admin' });

    // The job it alone verified goes back to verification, visibly; the admin's revocation is no cause the stats count.
    await until(async () => (await getJob(m.url, id!)).status === 'queued', 'the job reopened');
    expect((await getJob(m.url, id!)).error).toContain('revoked by the admin');
    expect(m.lifecycle.counters.transitions).toMatchObject({ completed: 1, reopened: 1 });
    expect(m.lifecycle.counters.blacklisted).toEqual({ 'spot-check': 0, outvoted: 0 });
    await until(async () => (await verifier!.owedBacktracks()).length === 0, 'the backtracking done');

    // A vote of its own counts for nothing, and says its socket should close.
    const answer = { ...done!.result!, workerId, workerClass: 'volunteer' } as JobResult;
    expect(await verifier!.decide({ answer: answer }, [], false)).toMatchObject({ final: false, answererBlacklisted: 'revoked by the admin' });

    // The job is redone without its vote: its answer kept beside the result, agreeing with nothing.
    const fleet = await grid.connect(m, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (j, self) => self.succeed(j.header, 5) });
    const [redone] = await settled(m.url, [id!], 20_000);
    expect(redone!.result!.verification!.replicas.map((r) => [r.workerId, r.top1, r.agreed, r.blacklisted ?? false])).toEqual([
      [workerId, 3, false, true],
      [fleet.welcome.identity.workerId, 5, true, false],
    ]);
  });
});

/** Pub/sub keeps nothing for a master not yet subscribed: wait for both relays to listen. */
async function bothListening(channel: string): Promise<void> {
  const admin = redisAdmin({ url: TEST_REDIS_URL });
  try {
    await until(async () => ((await admin.pubsub('NUMSUB', channel)) as [string, number])[1] === 2, 'both masters to listen to the relay');
  } finally {
    admin.disconnect();
  }
}

describe('an identity revoked by the admin on another master sharing Redis', () => {
  it('is cut off there at once: its socket closes and the job it held goes to another worker', async () => {
    const redisPrefix = grid.redisPrefix();
    const [a, b] = [await grid.start('redis', { adminToken: ADMIN_TOKEN, redisPrefix }), await grid.start('redis', { adminToken: ADMIN_TOKEN, redisPrefix })];
    await bothListening(`${redisPrefix}events`);
    const held: SyntheticJob[] = [];
    const volunteer = await grid.connect(b, { name: 'revoked elsewhere', onJob: (job) => void held.push(job) });
    const [id] = await submit(b.url, uploads);
    await until(() => held.length === 1, 'the job held by the volunteer');
    const { workerId } = volunteer.welcome.identity;
    let closedWith: number | undefined;
    void volunteer.closed.then((code) => (closedWith = code));
    expect(await (await revoke(a.url, workerId)).json()).toEqual({ workerId, revoked: true, disconnected: 0 });

    // Told over the relay, not at its next answer: it never answers, and its lease is far from expiring.
    await until(() => closedWith !== undefined, 'its socket on the other master closed');
    expect(closedWith).toBe(CloseCode.identityRevoked);
    await until(async () => (await getJob(b.url, id!)).status === 'queued', 'the job it held back in the queue');
    expect((await getJob(b.url, id!)).timeline.map((attempt) => [attempt.workerName, attempt.outcome])).toEqual([['revoked elsewhere', 'lost']]);
    await grid.connect(b, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (j, self) => self.succeed(j.header, 5) });
    const [done] = await settled(b.url, [id!], 20_000);
    expect(done!.result!.verification).toMatchObject({ state: 'trusted' });
  });
});
