// MAX_ANSWERS_PER_JOB: the votes of identities blacklisted since they voted count for nothing toward MAX_REPLICAS (a
// handful of saboteurs would otherwise push jobs to `unverified`), but a job holds at most MAX_ANSWERS_PER_JOB volunteer
// answers, theirs included. Before, identities that answered a job and were then blacklisted (each on a network of its
// own: IPv6 /64s are cheap) let it collect answers without end, each later answer reading all of them back. Past the
// limit it goes to trusted workers only if one is connected, never to another volunteer, else it ends `unverified` on
// the answer in the lead, its reason saying why. The verifier's decisions on both identity stores, then a real master
// on both stores with synthetic workers, each identity revoked (blacklisted) by the admin once it has answered.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyntheticJob, SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import { IDENTITY_STORE_KINDS, type OpenedIdentityStore } from '../../test/support/identity-stores.ts';
import { getJob, settled, submit, until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { volunteerAnswer } from '../../test/support/store-fixtures.ts';
import { TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import { DEFAULT_VERIFICATION } from '../../test/support/verification-policy.ts';
import { CloseCode } from '../protocol.ts';
import type { Ballot } from '../trust/verification.ts';
import { Verifier } from '../trust/verification.ts';

/** MAX_REPLICAS 3 answers that count; at most 5 answers a job, counted or not. */
const POLICY = { ...DEFAULT_VERIFICATION, maxReplicas: 3, maxAnswersPerJob: 5, closeCallMargin: 0 };

const ballots = (index: number, ...workerIds: string[]): Ballot[] => workerIds.map((workerId) => ({ answer: volunteerAnswer(index, workerId) }));

describe.each(IDENTITY_STORE_KINDS)('MAX_ANSWERS_PER_JOB decided with the $name identity store', (kind) => {
  let opened: OpenedIdentityStore | undefined;
  afterEach(async () => {
    await opened?.dispose();
    opened = undefined;
  });

  /** A verifier whose store holds the identities named blacklisted (since they voted); every other identity is new. */
  async function verifierWith(blacklisted: string[]): Promise<Verifier> {
    const store = (opened = await kind.open()).store;
    const verifier = new Verifier(POLICY, store);
    for (const workerId of blacklisted) await verifier.blacklist(workerId, 'lied on a spot check');
    return verifier;
  }

  it('asks volunteers up to MAX_ANSWERS_PER_JOB answers, those of blacklisted identities included; then, trusted workers only when one is connected', async () => {
    const verifier = await verifierWith(['caught-1', 'caught-2', 'caught-3', 'caught-4']);
    // Three blacklisted since and one new: one answer counts, four are held, and another volunteer is asked.
    const fewer = ballots(8, 'caught-1', 'caught-2', 'caught-3');
    for (const trustedWorkerConnected of [false, true])
      expect(await verifier.decide({ answer: volunteerAnswer(7, 'new-1') }, fewer, trustedWorkerConnected)).toEqual({ final: false, trustedOnly: false });
    const earlier = ballots(8, 'caught-1', 'caught-2', 'caught-3', 'caught-4');
    // Only the newest answer counts, far from MAX_REPLICAS (3): before, the job went to yet another volunteer.
    expect(await verifier.decide({ answer: volunteerAnswer(7, 'new-1') }, earlier, true)).toEqual({ final: false, trustedOnly: true });
    // A newest answer of an identity blacklisted already counts toward the limit too, and for nothing else.
    const blacklistedLast = await verifier.decide({ answer: volunteerAnswer(8, 'caught-4') }, ballots(8, 'caught-1', 'caught-2', 'caught-3', 'new-1'), true);
    expect(blacklistedLast).toEqual({ final: false, trustedOnly: true, answererBlacklisted: 'lied on a spot check' });
  });

  it('at MAX_ANSWERS_PER_JOB answers with no trusted worker connected, ends the job unverified on the answer in the lead, saying why', async () => {
    const verifier = await verifierWith(['caught-1', 'caught-2', 'caught-3', 'caught-4']);
    const decision = await verifier.decide({ answer: volunteerAnswer(7, 'new-1') }, ballots(8, 'caught-1', 'caught-2', 'caught-3', 'caught-4'), false);
    expect(decision).toMatchObject({ final: true, result: { predictions: [{ index: 7 }], verification: { state: 'unverified', credibility: 0 } } });
    const verification = decision.final ? decision.result.verification! : undefined;
    expect(verification?.reason).toMatch(
      /^it holds 5 volunteer answers, the most one job may \(MAX_ANSWERS_PER_JOB\), 4 of them from identities blacklisted since/,
    );
    expect(verification?.replicas.map((replica) => [replica.workerId, replica.top1, replica.agreed, replica.blacklisted ?? false])).toEqual([
      ['caught-1', 8, false, true],
      ['caught-2', 8, false, true],
      ['caught-3', 8, false, true],
      ['caught-4', 8, false, true],
      ['new-1', 7, true, false],
    ]);
    // Past MAX_REPLICAS answers that count, a job ends unverified as before, with no reason of its own.
    const past = await verifier.decide({ answer: volunteerAnswer(7, 'new-3') }, ballots(7, 'new-1', 'new-2'), false);
    expect(past).toMatchObject({ final: true, result: { verification: { state: 'unverified' } } });
    expect(past.final && past.result.verification!.reason).toBeUndefined();
  });
});

const image = fs.readFileSync(devImages(1)[0]!.path);
const ADMIN_TOKEN = 'admin-token-of-this-test';
const grid = useTestMasters();

describe.each(['sqlite', 'redis'] as const)('a job answered by identities then blacklisted, on the %s store', (storeName) => {
  // No spot checks: no volunteer earns a say, so no answer settles the job, and each new identity's answer counts toward MAX_REPLICAS until it is blacklisted.
  const start = () => grid.start(storeName, { ...POLICY, adminToken: ADMIN_TOKEN });

  const submitOne = async (on: TestMaster, headers: Record<string, string> = {}) => (await submit(on.url, [{ name: 'a.jpg', bytes: image }], headers))[0]!;

  const answers = async (on: TestMaster, id: string) => (await getJob(on.url, id)).timeline.filter((attempt) => attempt.outcome === 'answered').length;

  /** A new identity on a network of its own (127.0.0.n) answering every job with class 8. */
  const volunteer = (on: TestMaster, n: number) =>
    grid.connect(on, { name: `volunteer-${n}`, localAddress: `127.0.0.${n}`, onJob: (job, self) => self.succeed(job.header, 8) });

  /** Revokes the identity (blacklisted, as a caught liar is) and waits for its socket to close. */
  async function blacklist(on: TestMaster, worker: SyntheticWorker): Promise<void> {
    const closed = worker.closed;
    const response = await fetch(`${on.url}/api/workers/${worker.welcome.identity.workerId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(await closed).toBe(CloseCode.identityRevoked);
  }

  /** Volunteers 1..count each answer the job, each blacklisted once it has, but the last. */
  async function answeredThenBlacklisted(on: TestMaster, id: string, count: number): Promise<void> {
    for (let n = 1; n <= count; n++) {
      const worker = await volunteer(on, n);
      await until(async () => (await answers(on, id)) === n || (await getJob(on.url, id)).status === 'done', `answer ${n}`, 10_000);
      if (n < count) await blacklist(on, worker);
    }
  }

  it('ends it unverified at MAX_ANSWERS_PER_JOB answers with no trusted worker connected, and asks no volunteer again', async () => {
    const m = await start();
    const id = await submitOne(m);
    await answeredThenBlacklisted(m, id, 5);
    // Before, four of the five counted for nothing, MAX_REPLICAS (3) was never reached, and the job went to every new identity that came.
    const [job] = await settled(m.url, [id], 10_000);
    expect(job!.status).toBe('done');
    const verification = job!.result!.verification!;
    expect(verification).toMatchObject({ state: 'unverified', replicas: { length: 5 } });
    expect(verification.reason).toMatch(
      /it holds 5 volunteer answers, the most one job may \(MAX_ANSWERS_PER_JOB\), 4 of them from identities blacklisted since/,
    );
    expect(verification.replicas.filter((replica) => replica.blacklisted)).toHaveLength(4);
    const sixth = await volunteer(m, 6);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sixth.jobs).toHaveLength(0);
    expect((await getJob(m.url, id)).timeline.map((attempt) => attempt.outcome)).toEqual(['answered', 'answered', 'answered', 'answered', 'done']);
  });

  it('hands it to trusted workers only at MAX_ANSWERS_PER_JOB answers when one is connected, never to another volunteer', async () => {
    const m = await start();
    // A trusted worker connected, kept busy on a private job it holds (credit 1), so it takes nothing else until it answers.
    const held: SyntheticJob[] = [];
    const fleet = await grid.connect(m, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job) => void held.push(job) });
    await submitOne(m, { 'Private-Job': 'true' });
    await until(() => held.length === 1, 'the fleet holding the private job');
    const id = await submitOne(m);
    await answeredThenBlacklisted(m, id, 5);
    await until(async () => (await getJob(m.url, id)).trustedOnly, 'the job trusted-only', 10_000);
    expect(await getJob(m.url, id)).toMatchObject({ status: 'queued', votes: 5, trustedOnly: true });
    // New identities on networks of their own are dealt nothing of it.
    const others = [await volunteer(m, 6), await volunteer(m, 7)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(others.map((worker) => worker.jobs.length)).toEqual([0, 0]);
    expect(await answers(m, id)).toBe(5);
    // The fleet answers its private job and is dealt this one, which it settles.
    fleet.succeed(held[0]!.header, 3);
    await until(() => held.length === 2, 'the fleet dealt the job');
    fleet.succeed(held[1]!.header, 3);
    const [job] = await settled(m.url, [id], 10_000);
    expect(job!.result!.verification).toMatchObject({ state: 'trusted', replicas: { length: 6 } });
    expect(job!.timeline.filter((attempt) => attempt.workerClass === 'volunteer')).toHaveLength(5);
  });
});

describe.each(['sqlite', 'redis'] as const)('a done job holding MAX_ANSWERS_PER_JOB answers, reopened by a blacklisting, on the %s store', (storeName) => {
  // Test masters settle a job on one volunteer's answer, but not on a lone close call (CLOSE_CALL_MARGIN set): the
  // first answer, a close call, is a vote, and the second identity agreeing settles the job, holding 2 answers, the
  // most it may. Reopened when the first is blacklisted, it holds them still: no volunteer may answer it again.
  const start = () => grid.start(storeName, { maxReplicas: 2, maxAnswersPerJob: 2, closeCallMargin: 0.1, adminToken: ADMIN_TOKEN });

  /** A job done on two identities' answers of class 8, the first a close call; and the first of them. */
  async function doneOnTwo(m: TestMaster): Promise<{ id: string; first: SyntheticWorker }> {
    const [id] = await submit(m.url, [{ name: 'a.jpg', bytes: image }]);
    const closeCall = (job: SyntheticJob, self: SyntheticWorker) =>
      self.answer(job.header, [
        { index: 8, probability: 0.5 },
        { index: 3, probability: 0.4995 },
      ]);
    const first = await grid.connect(m, { name: 'volunteer-1', localAddress: '127.0.0.1', onJob: closeCall });
    await until(async () => (await getJob(m.url, id!)).votes === 1, 'the close call kept as a vote');
    await grid.connect(m, { name: 'volunteer-2', localAddress: '127.0.0.2', onJob: (job, self) => self.succeed(job.header, 8) });
    const [job] = await settled(m.url, [id!], 10_000);
    expect(job!.result!.verification).toMatchObject({ state: 'verified', replicas: { length: 2 } });
    return { id: id!, first };
  }

  const revoke = async (m: TestMaster, worker: SyntheticWorker) => {
    const response = await fetch(`${m.url}/api/workers/${worker.welcome.identity.workerId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
  };

  it('ends it unverified at once when no trusted worker is connected, its reason saying why', async () => {
    const m = await start();
    const { id, first } = await doneOnTwo(m);
    const before = await getJob(m.url, id);
    // The revocation answers once its backtracking is walked.
    await revoke(m, first);
    // Before, it was reopened for trusted workers only, and with none connected it waited for ever.
    const job = await getJob(m.url, id);
    expect(job).toMatchObject({ status: 'done', trustedOnly: false, finishedAt: before.finishedAt, result: { verification: { state: 'unverified' } } });
    expect(job.result!.predictions[0]!.index).toBe(8);
    expect(job.result!.verification!.reason).toMatch(
      /blacklisted \(revoked by the admin\) when it held as many volunteer answers as one job may \(MAX_ANSWERS_PER_JOB\)/,
    );
    expect(job.result!.verification!.reason).toMatch(/no trusted worker was connected/);
    // Its answers are kept as they were: nothing was asked again.
    expect(job.timeline.map((attempt) => attempt.outcome)).toEqual(['answered', 'done']);
    expect(await m.store.counts()).toMatchObject({ queued: 0, done: 1 });
  });

  it('reopens it for trusted workers only when one is connected, which settles it', async () => {
    const m = await start();
    const { id, first } = await doneOnTwo(m);
    const dealt: SyntheticJob[] = [];
    const fleet = await grid.connect(m, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job) => void dealt.push(job) });
    await revoke(m, first);
    await until(() => dealt.length === 1, 'the fleet dealt the reopened job', 10_000);
    expect(await getJob(m.url, id)).toMatchObject({ status: 'leased', trustedOnly: true, votes: 2 });
    fleet.succeed(dealt[0]!.header, 8);
    const [job] = await settled(m.url, [id], 10_000);
    expect(job!.result!.verification).toMatchObject({ state: 'trusted' });
  });
});
