// A volunteer's answer counts only once verified, through the real master on both stores, at the real default
// TARGET_ERROR (0.001) and SABOTEUR_FRACTION (0.1): a volunteer's answer counts once its identity has passed a spot
// check (MIN_CHECKS_TO_VERIFY), so however many new identities agree the job is not verified; a trusted
// worker's word is final; past MAX_REPLICAS a job goes to a trusted worker, or ends unverified and says so; a
// private job never reaches a volunteer.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getJob, settled, until } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { TEST_FLEET_TOKEN, type TestMaster } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { JobView } from '../api-types.ts';
import type { StatsView } from '../stats-api-types.ts';
import { classLabel } from '../model/class-labels.ts';
import { CloseCode } from '../protocol.ts';
import { DEFAULT_VERIFICATION } from '../../test/support/verification-policy.ts';

const image = fs.readFileSync(devImages(1)[0]!.path);
const DEFAULT_POLICY = DEFAULT_VERIFICATION;

const grid = useTestMasters();

describe.each(['sqlite', 'redis'] as const)('verification on the %s store', (storeName) => {
  const master = () => grid.start(storeName, DEFAULT_POLICY);

  async function submitOne(on: TestMaster, headers: Record<string, string> = {}): Promise<string> {
    const data = new FormData();
    data.append('image', new Blob([new Uint8Array(image)]), 'a.jpg');
    const response = await fetch(`${on.url}/api/jobs`, { method: 'POST', body: data, headers });
    expect(response.status).toBe(201);
    return ((await response.json()) as { jobs: JobView[] }).jobs[0]!.id;
  }

  /** A volunteer (a new identity) answering every job with class `index`, from loopback address `from` (its network). */
  const volunteer = (on: TestMaster, index: number, from = '127.0.0.1') =>
    grid.connect(on, { name: `volunteer-${index}`, localAddress: from, onJob: (job, self) => self.succeed(job.header, index) });
  const fleetWorker = (on: TestMaster, index: number) =>
    grid.connect(on, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job, self) => self.succeed(job.header, index) });

  /** Waits until the job holds `count` answers kept as votes. */
  const answered = (on: TestMaster, id: string, count: number) =>
    until(async () => (await getJob(on.url, id)).timeline.filter((attempt) => attempt.outcome === 'answered').length === count, `${count} answers`);

  it('finishes a job when four new identities on four networks agree (MIN_CHECKS_TO_VERIFY 0), never asking one twice, and lists them', async () => {
    const m = await grid.start(storeName, { ...DEFAULT_POLICY, minChecksToVerify: 0 });
    const id = await submitOne(m);
    const first = await volunteer(m, 7, '127.0.0.1');
    await answered(m, id, 1);
    // The same identity again, in another tab, is not asked: the job waits for another identity.
    const again = await grid.connect(m, { hello: { identity: first.welcome.identity }, onJob: (job, self) => self.succeed(job.header, 7) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(again.jobs).toHaveLength(0);
    for (const count of [2, 3]) {
      await volunteer(m, 7, `127.0.0.${count}`);
      await answered(m, id, count);
      expect((await getJob(m.url, id)).status).toBe('queued');
    }
    await volunteer(m, 7, '127.0.0.4');
    const [job] = await settled(m.url, [id], 10_000);
    expect(job!.status).toBe('done');
    const verification = job!.result!.verification!;
    expect(verification.state).toBe('verified');
    expect(verification.credibility).toBeGreaterThanOrEqual(0.999);
    expect(verification.replicas).toHaveLength(4);
    expect(verification.replicas.every((replica) => replica.top1 === 7 && replica.agreed && replica.workerClass === 'volunteer')).toBe(true);
    expect(new Set(verification.replicas.map((replica) => replica.workerId)).size).toBe(4);
    expect(job!.timeline.map((attempt) => attempt.outcome)).toEqual(['answered', 'answered', 'answered', 'done']);
    const stats = (await fetch(`${m.url}/api/stats`).then((r) => r.json())) as StatsView;
    expect(stats.dispatch.replicasAsked).toBe(3);
  });

  it('deals a job to one identity a network: more minted on its address are dealt nothing, and cannot use up its replicas', async () => {
    const m = await grid.start(storeName, { ...DEFAULT_POLICY, minChecksToVerify: 0 });
    const id = await submitOne(m);
    await volunteer(m, 7, '127.0.0.1');
    await answered(m, id, 1);
    // Before, each of these answered too, and a fifth answer from anywhere ended the job unverified (MAX_REPLICAS).
    const minted = await Promise.all([1, 2, 3].map(() => volunteer(m, 7, '127.0.0.1')));
    await volunteer(m, 7, '127.0.0.2');
    await answered(m, id, 2);
    // Dealt from the moment each connected, until another network's volunteer took the job: never to them.
    expect(minted.flatMap((worker) => worker.jobs)).toHaveLength(0);
    // Two networks agreeing are not credible enough: the job waits for a third.
    expect(await getJob(m.url, id)).toMatchObject({ status: 'queued', votes: 2 });
  });

  it('never verifies a job on new identities alone, however many agree: they may be one person, so past MAX_REPLICAS it ends unverified', async () => {
    const m = await master();
    const id = await submitOne(m);
    for (let count = 1; count <= 4; count++) {
      await volunteer(m, 7, `127.0.0.${count}`);
      await answered(m, id, count);
      expect((await getJob(m.url, id)).status).toBe('queued');
    }
    await volunteer(m, 7, '127.0.0.5');
    const [job] = await settled(m.url, [id], 10_000);
    expect(job!.result!.predictions[0]!.index).toBe(7);
    expect(job!.result!.verification).toMatchObject({ state: 'unverified', replicas: { length: 5 } });
    // Five strangers agreeing count for nothing until one of them passes a spot check.
    expect(job!.result!.verification!.credibility).toBe(0);
  });

  it("takes a trusted worker's answer at once, over a volunteer's that disagrees", async () => {
    const m = await master();
    const id = await submitOne(m);
    await volunteer(m, 3);
    await answered(m, id, 1);
    await fleetWorker(m, 9);
    const [job] = await settled(m.url, [id], 10_000);
    // The label is the master's name for class 9, whatever text the worker sent ("class 9").
    expect(job!.result).toMatchObject({
      predictions: [{ index: 9, label: classLabel(9) }],
      workerClass: 'trusted',
      verification: {
        state: 'trusted',
        credibility: 1,
        replicas: [
          { top1: 3, agreed: false, workerClass: 'volunteer' },
          { top1: 9, agreed: true, workerClass: 'trusted' },
        ],
      },
    });
  });

  it('outvotes a liar: past MAX_REPLICAS without a credible answer the job goes to a trusted worker only', async () => {
    const m = await master();
    const id = await submitOne(m);
    // A trusted worker is connected, taking no work for now.
    const idle = await grid.connect(m, { name: 'idle fleet', credit: 0, hello: { fleetToken: TEST_FLEET_TOKEN } });
    await volunteer(m, 666, '127.0.0.1');
    await answered(m, id, 1);
    for (let count = 2; count <= 5; count++) {
      await volunteer(m, 7, `127.0.0.${count}`);
      await answered(m, id, count);
    }
    // Five answers, one of them a lie: four agreeing are not credible enough, and no volunteer gets it again.
    expect(await getJob(m.url, id)).toMatchObject({ status: 'queued', trustedOnly: true });
    const late = await volunteer(m, 7, '127.0.0.6');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(late.jobs).toHaveLength(0);
    expect(idle.jobs).toHaveLength(0);
    await fleetWorker(m, 7);
    const [job] = await settled(m.url, [id], 10_000);
    expect(job!.result!.verification!.state).toBe('trusted');
    expect(job!.result!.verification!.replicas.map((replica) => [replica.top1, replica.agreed])).toEqual([
      [666, false],
      [7, true],
      [7, true],
      [7, true],
      [7, true],
      [7, true],
    ]);
  });

  it('ends a job unverified past MAX_REPLICAS when no trusted worker is connected, on the answer in the lead', async () => {
    const m = await master();
    const id = await submitOne(m);
    for (const [count, index] of [1, 2, 3, 4].map((n) => [n, n % 2 === 0 ? 5 : 6] as const)) {
      await volunteer(m, index, `127.0.0.${count}`);
      await answered(m, id, count);
    }
    await volunteer(m, 5, '127.0.0.5');
    const [job] = await settled(m.url, [id], 10_000);
    expect(job!.result!.predictions[0]!.index).toBe(5);
    expect(job!.result!.verification).toMatchObject({ state: 'unverified', replicas: { length: 5 } });
    expect(job!.result!.verification!.credibility).toBeLessThan(0.999);
  });

  it('blacklists a volunteer outvoted in more than MAX_OUTVOTED_SHARE of its judged answers, and no honest one', async () => {
    // A looser target, so that jobs it answered end verified despite it, on new identities' agreement (each on a network of
    // its own), and a small OUTVOTED_MIN_ANSWERS.
    const m = await grid.start(storeName, { ...DEFAULT_POLICY, targetError: 0.01, minChecksToVerify: 0, outvotedMinAnswers: 3 });
    const contrarian = await grid.connect(m, { name: 'contrarian', onJob: (job, self) => self.succeed(job.header, 8) });
    const closed = contrarian.closed;
    const honest = await Promise.all([1, 2, 3, 4].map((n) => volunteer(m, 7, `127.0.0.${n + 1}`)));
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await submitOne(m));
    expect(await closed).toBe(CloseCode.identityRevoked);
    const jobs = await settled(m.url, ids, 20_000);
    expect(jobs.map((job) => job.result!.predictions[0]!.index)).toEqual(ids.map(() => 7));
    const record = await m.identities.trustRecord(contrarian.welcome.identity.workerId);
    expect(record).toMatchObject({ blacklisted: true, blacklistedReason: expect.stringMatching(/^outvoted in \d+ of \d+ verified jobs/) });
    expect(record.answersOutvoted).toBe(record.answersJudged);
    expect(record.answersJudged).toBeGreaterThanOrEqual(3);
    for (const worker of honest) {
      expect(await m.identities.trustRecord(worker.welcome.identity.workerId)).toMatchObject({ answersOutvoted: 0, blacklisted: false });
    }
    // The statistics count it among the blacklisted, as outvoted.
    const stats = (await fetch(`${m.url}/api/stats`).then((r) => r.json())) as StatsView;
    expect(stats.dispatch.blacklisted).toEqual({ 'spot-check': 0, outvoted: 1 });
  });

  it('never hands a private job to a volunteer, however it was marked, and refuses a flag that is not true or false', async () => {
    const m = await master();
    const viaHeader = await submitOne(m, { 'Private-Job': 'true' });
    const data = new FormData();
    data.append('private', 'true');
    data.append('image', new Blob([new Uint8Array(image)]), 'b.jpg');
    const viaField = ((await fetch(`${m.url}/api/jobs`, { method: 'POST', body: data }).then((r) => r.json())) as { jobs: JobView[] }).jobs[0]!.id;
    const open = await submitOne(m, { 'Private-Job': 'false' });
    const bad = await fetch(`${m.url}/api/jobs`, { method: 'POST', body: data, headers: { 'Private-Job': 'yes' } });
    expect(bad.status).toBe(400);
    expect((await bad.json()) as unknown).toMatchObject({ error: { code: 'bad-private-flag' } });

    const stranger = await grid.connect(m, { credit: 4, onJob: (job, self) => self.succeed(job.header, 1) });
    await answered(m, open, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stranger.jobs.map((job) => job.header.jobId)).toEqual([open]);
    expect(await getJob(m.url, viaHeader)).toMatchObject({ status: 'queued', trustedOnly: true, attempts: 0 });
    await fleetWorker(m, 2);
    const jobs = await settled(m.url, [viaHeader, viaField], 10_000);
    expect(jobs.map((job) => [job.status, job.result!.verification!.state])).toEqual([
      ['done', 'trusted'],
      ['done', 'trusted'],
    ]);
  });
});
