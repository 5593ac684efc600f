// Spot checks through the real master on both stores, with a gold folder of its own: plain-colour images whose
// answer is their colour, and synthetic workers that classify by colour (an honest one) or lie. Gold is never a
// job and reaches the worker in exactly the form jobs do (type, dimensions, format, encoder, no metadata); an
// honest worker passes every check and earns credibility; a liar is blacklisted at its first check, its socket
// closed, its identity refused from then on, and its jobs done by others. A credible volunteer's close calls wait
// for a second identity.
import { describe, expect, it, vi } from 'vitest';
import { answerCloseCall, classify, submitColours, useColourGold } from '../../test/support/colour-gold.ts';
import { getJob, settled, until } from '../../test/support/jobs-client.ts';
import { encodingOf } from '../../test/support/image-encoding.ts';
import type { TestMaster } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import { WorkerRefusedError, type SyntheticJob, type SyntheticWorker } from '../../metrics/synthetic-worker.ts';
import type { JobView, ModelView, WorkerView } from '../api-types.ts';
import type { StatsView } from '../stats-api-types.ts';
import { CloseCode, type Precision } from '../protocol.ts';
import type { IdentityStore } from '../identity/identity-store.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { Verifier } from '../trust/verification.ts';

const colourGold = useColourGold();
const grid = useTestMasters();

describe.each(['sqlite', 'redis'] as const)('spot checks on the %s store', (storeName) => {
  const master = () => grid.start(storeName, { goldDir: colourGold.dir(), goldFraction: 0.5 });

  const submit = (on: { url: string }, count: number) => submitColours(on.url, count);

  /** An honest volunteer, from loopback address `from` (its network). */
  const honest = (on: TestMaster, from = '127.0.0.1') =>
    grid.connect(on, {
      name: 'honest',
      credit: 2,
      localAddress: from,
      onJob: (job, self) => void classify(job).then((index) => self.succeed(job.header, index)),
    });
  /** An honest volunteer whose every answer is a close call in half floats (or not, in fp32). */
  const closeCaller = (on: TestMaster, precision: Precision = 'fp16') =>
    grid.connect(on, { name: 'close-calls', credit: 2, onJob: (job, self) => answerCloseCall(job, self, precision) });

  it('hands an honest volunteer gold among its jobs, never as a job, and counts every check it passes', async () => {
    const m = await master();
    const ids = await submit(m, 30);
    const worker = await honest(m);
    const jobs = await settled(m.url, ids, 20_000);
    expect(jobs.map((job) => job.result!.predictions[0]!.index)).toEqual(ids.map((_, i) => (i % 3) + 1));
    // A check goes out in its slot among the jobs, so the last frames may still be checks being judged.
    const readStats = async () => (await fetch(`${m.url}/api/stats`).then((r) => r.json())) as StatsView;
    await until(async () => (await readStats()).dispatch.spotChecks.passed === worker.jobs.length - ids.length, 'every check it answered judged');
    const stats = await readStats();
    const { given, passed, failed } = stats.dispatch.spotChecks;
    // At GOLD_FRACTION 0.5 over 30 jobs, no spot check at all would be a 1 in 10^9 event.
    expect(given).toBeGreaterThan(0);
    expect([passed, failed]).toEqual([worker.jobs.length - ids.length, 0]);
    expect(given).toBeGreaterThanOrEqual(passed);
    expect(stats.dispatch.blacklisted).toEqual({ 'spot-check': 0, outvoted: 0 });
    // Gold is no job: the board lists exactly the 30 submitted, and counts no more.
    const board = (await fetch(`${m.url}/api/jobs?limit=100`).then((r) => r.json())) as { jobs: JobView[] };
    expect(board.jobs.map((job) => job.id).sort()).toEqual([...ids].sort());
    const record = await m.identities.trustRecord(worker.welcome.identity.workerId);
    expect(record).toMatchObject({ spotChecksPassed: passed, spotChecksFailed: 0, blacklisted: false });
    // Its credibility grew with them (1 − f/((1 − f)·k·e) past 1 − f), as /api/workers shows.
    const { workers } = (await fetch(`${m.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    expect(workers).toMatchObject([{ workerClass: 'volunteer', spotChecksPassed: passed }]);
    expect(workers[0]!.credibility).toBeCloseTo(passed > 0 ? Math.max(0.9, 1 - 0.1 / (0.9 * passed * Math.E)) : 0.9, 9);
    // A spot check looks like a job: the same frame, a fresh id, bytes never seen twice...
    const gold = worker.jobs.filter((job) => !ids.includes(job.header.jobId));
    expect(new Set(gold.map((job) => Buffer.from(job.image).toString('base64'))).size).toBe(gold.length);
    // ...and the same shape and encoding as every job: the prepared form, at the served model's input size.
    const shapeOf = async (job: SyntheticJob) => ({ contentType: job.header.contentType, ...(await encodingOf(job.image)) });
    const jobShapes = await Promise.all(worker.jobs.filter((job) => ids.includes(job.header.jobId)).map(shapeOf));
    const { imageSize } = (await fetch(`${m.url}/api/model`).then((r) => r.json())) as ModelView;
    expect(jobShapes[0]).toEqual({
      contentType: 'image/webp',
      format: 'webp',
      width: imageSize,
      height: imageSize,
      channels: 3,
      hasAlpha: false,
      progressive: false,
      chromaSubsampling: null,
      chunks: ['VP8 '],
      metadata: [],
    });
    for (const shape of [...jobShapes, ...(await Promise.all(gold.map(shapeOf)))]) expect(shape).toEqual(jobShapes[0]);
  });

  it('shows a volunteer short of MIN_CHECKS_TO_VERIFY with credibility 0 on /api/workers: its answers count for nothing yet', async () => {
    const m = await grid.start(storeName, { goldDir: colourGold.dir(), goldFraction: 0.5, minChecksToVerify: 1_000 });
    const shown = async () => ((await fetch(`${m.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] }).workers[0];
    await honest(m);
    // At GOLD_FRACTION 0.5 over 30 jobs, no spot check at all would be a 1 in 10^9 event.
    await submit(m, 30);
    await until(async () => ((await shown())?.spotChecksPassed ?? 0) > 0, 'a passed spot check');
    // Where no check was asked for, it would be 0.959 or more (the first test).
    expect(await shown()).toMatchObject({ workerClass: 'volunteer', credibility: 0 });
  });

  it('settles the jobs a new volunteer voted on once it passes a spot check, with no other identity there', async () => {
    // At TARGET_ERROR 0.05 a new volunteer's answer (credibility 0.9) waits for another's; past one check (0.959) it
    // settles a job alone, and so do the votes it gave before, decided again (lifecycle/waiting-votes.ts).
    const m = await grid.start(storeName, { goldDir: colourGold.dir(), goldFraction: 0.5, targetError: 0.05 });
    const ids = await submit(m, 20);
    const worker = await honest(m);
    const jobs = await settled(m.url, ids, 20_000);
    expect(jobs.map((job) => job.result!.predictions[0]!.index)).toEqual(ids.map((_, i) => (i % 3) + 1));
    const { workerId } = worker.welcome.identity;
    for (const job of jobs) expect(job.result!.verification).toMatchObject({ state: 'verified', replicas: [{ workerId, agreed: true }] });
  });

  it("never settles a job on one credible volunteer's close call: a second identity must agree", async () => {
    // The same lone volunteer as above, its top-1 now leading the second by 0.05 (< CLOSE_CALL_MARGIN 0.1) on every
    // image: past its checks it is credible enough to settle jobs alone, yet every job waits for another identity.
    const m = await grid.start(storeName, { goldDir: colourGold.dir(), goldFraction: 0.5, targetError: 0.05, closeCallMargin: 0.1 });
    const ids = await submit(m, 20);
    const closeCalls = await closeCaller(m);
    const first = closeCalls.welcome.identity.workerId;
    await until(async () => {
      const answeredAll = ids.every((id) => closeCalls.jobs.some((job) => job.header.jobId === id));
      return answeredAll && (await m.identities.trustRecord(first)).spotChecksPassed > 0;
    }, 'every job answered and a spot check passed');
    // From another network: the identities of one count as one voter.
    const second = (await honest(m, '127.0.0.2')).welcome.identity.workerId;
    const jobs = await settled(m.url, ids, 20_000);
    expect(jobs.map((job) => job.result!.predictions[0]!.index)).toEqual(ids.map((_, i) => (i % 3) + 1));
    for (const job of jobs) {
      expect(job.result!.verification!.state).toBe('verified');
      expect(job.result!.verification!.replicas.map((replica) => [replica.workerId, replica.agreed])).toEqual([
        [first, true],
        [second, true],
      ]);
    }
  });

  it('settles a job on one credible volunteer’s lead of 0.05 when its WebGL computed in fp32', async () => {
    const m = await grid.start(storeName, { goldDir: colourGold.dir(), goldFraction: 0.5, targetError: 0.05, closeCallMargin: 0.1 });
    const ids = await submit(m, 20);
    const { workerId } = (await closeCaller(m, 'fp32')).welcome.identity;
    const jobs = await settled(m.url, ids, 20_000);
    expect(jobs.map((job) => job.result!.predictions[0]!.index)).toEqual(ids.map((_, i) => (i % 3) + 1));
    for (const job of jobs) {
      expect(job.result).toMatchObject({ backend: 'webgl', precision: 'fp32' });
      expect(job.result!.verification).toMatchObject({ state: 'verified', replicas: [{ workerId, agreed: true }] });
    }
  });

  /**
   * A worker that answers jobs honestly and holds, unanswered, every spot check it is dealt, once it holds one (at
   * GOLD_FRACTION 0.5, none among 24 jobs is a 1 in 16 million event).
   */
  async function holdingASpotCheck(m: TestMaster): Promise<{ holder: SyntheticWorker; check: SyntheticJob }> {
    const ids = await submit(m, 24);
    const holder = await grid.connect(m, {
      name: 'holder',
      credit: 2,
      onJob: (job, self) => void (ids.includes(job.header.jobId) && classify(job).then((index) => self.succeed(job.header, index))),
    });
    await until(() => holder.jobs.some((job) => !ids.includes(job.header.jobId)), 'a spot check dealt to the holder');
    return { holder, check: holder.jobs.find((job) => !ids.includes(job.header.jobId))! };
  }

  it("refuses an answer to another worker's spot check: only the worker it was dealt to is judged on it", async () => {
    const m = await master();
    const { holder, check } = await holdingASpotCheck(m);
    const answer = await classify(check);
    const colluder = await grid.connect(m, { name: 'colluder', credit: 0 });
    colluder.succeed(check.header, answer);
    // The store knows no job by a spot check's id: the answer is rejected as any stray one, and counted.
    await until(() => m.lifecycle.counters.rejected['unknown-job'] === 1, 'the answer rejected');
    expect(await m.identities.trustRecord(colluder.welcome.identity.workerId)).toMatchObject({ spotChecksPassed: 0, spotChecksFailed: 0 });
    // The check is still the holder's to answer, and passing it counts for the holder.
    holder.succeed(check.header, answer);
    await until(async () => (await m.identities.trustRecord(holder.welcome.identity.workerId)).spotChecksPassed === 1, 'the holder judged');
  });

  it('cuts off at its answer to a spot check a volunteer blacklisted on another master, its socket here still open', async () => {
    let verifier: Verifier | undefined;
    const m = await grid.start(
      storeName,
      { goldDir: colourGold.dir(), goldFraction: 0.9 },
      { verifier: (config, records) => (verifier = new Verifier(config, records)) },
    );
    const ids = await submit(m, 10);
    // At GOLD_FRACTION 0.9, no check among its 8 slots would be a 1 in 10^8 event.
    const suspect = await grid.connect(m, { name: 'suspect', credit: 8 });
    await until(() => suspect.jobs.some((job) => !ids.includes(job.header.jobId)), 'a spot check dealt');
    const check = suspect.jobs.find((job) => !ids.includes(job.header.jobId))!;
    // Blacklisted there, and its backtracking done there: this master's tick has no walk left to close the socket on.
    const { workerId } = suspect.welcome.identity;
    const { first, mark } = await verifier!.blacklist(workerId, 'failed a spot check on another master');
    expect(first).toBe(true);
    await verifier!.backtracked(workerId, mark);
    // Before, an honest answer to a check kept its socket open, dealt more, until it answered a job.
    let closedWith: number | undefined;
    void suspect.closed.then((code) => (closedWith = code));
    suspect.succeed(check.header, await classify(check));
    await until(() => closedWith !== undefined, 'its socket closed');
    expect(closedWith).toBe(CloseCode.identityRevoked);
  });

  it('takes back a spot check held past LEASE_MS as an expired job is: the worker is told to drop it', async () => {
    const m = await grid.start(storeName, { goldDir: colourGold.dir(), goldFraction: 0.5, leaseMs: 400 });
    const { holder, check } = await holdingASpotCheck(m);
    await until(() => holder.messages.some((message) => message.type === 'cancel' && message.jobId === check.header.jobId), 'the check taken back');
    // Answered now, it is no longer a check of its: refused as any stray answer, and nothing is judged.
    const rejected = m.lifecycle.counters.rejected['unknown-job'];
    holder.succeed(check.header, await classify(check));
    await until(() => m.lifecycle.counters.rejected['unknown-job'] === rejected + 1, 'the late answer refused');
    expect((await m.identities.trustRecord(holder.welcome.identity.workerId)).spotChecksPassed).toBe(0);
  });

  it('blacklists a liar at its first spot check: closed, refused on return, its jobs done by others', async () => {
    const m = await master();
    const ids = await submit(m, 12);
    const liar: SyntheticWorker = await grid.connect(m, { name: 'liar', credit: 2, onJob: (job, self) => self.succeed(job.header, 999) });
    const closedWith = await liar.closed;
    expect(closedWith).toBe(CloseCode.identityRevoked);
    const identity = liar.welcome.identity;
    const record = await m.identities.trustRecord(identity.workerId);
    // Both its first frames may be checks, each answered before the first verdict closed it: one failure or two.
    const failed = record.spotChecksFailed;
    expect([1, 2]).toContain(failed);
    expect(record).toMatchObject({ blacklisted: true, blacklistedReason: expect.stringContaining('999') });
    const back = await grid.connect(m, { hello: { identity } }).catch((error: unknown) => error);
    expect(back).toBeInstanceOf(WorkerRefusedError);
    expect((back as WorkerRefusedError).code).toBe(CloseCode.identityRevoked);

    // The liar was caught with no check passed, so a new identity is now believed no more than that catch shows
    // (survival.ts): until an honest volunteer passes its first check, its answer waits for a second volunteer's.
    // Two honest ones finish the work whichever comes first, gold or jobs, each on a network of its own: the liar's
    // (127.0.0.1) had its say on the jobs it answered.
    await Promise.all([honest(m, '127.0.0.2'), honest(m, '127.0.0.3')]);
    const jobs = await settled(m.url, ids, 20_000);
    // On this test master one credible volunteer's answer settles a job, so the liar's answers before it was caught
    // were final: blacklisting reopened them, and every job now carries the honest answer.
    expect(jobs.map((job) => job.result!.predictions[0]!.index)).toEqual(ids.map((_, i) => (i % 3) + 1));
    expect(jobs.every((job) => job.result!.verification!.replicas.every((replica) => replica.top1 !== 999 || !replica.agreed))).toBe(true);
    const stats = (await fetch(`${m.url}/api/stats`).then((r) => r.json())) as StatsView;
    expect(stats.dispatch.spotChecks.failed).toBe(failed);
    expect(stats.dispatch.blacklisted).toEqual({ 'spot-check': 1, outvoted: 0 });
    const metrics = await fetch(`${m.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('browser_grid_volunteers_blacklisted_total{reason="spot-check"} 1\n');
    expect(metrics).toContain(`browser_grid_spot_checks_total{reason="failed"} ${failed}\n`);
    // Each job the liar had finished (none, if its first answer was to a spot check) was reopened once, its answer kept as
    // a vote that no longer counts; so was any answer it sent while being caught.
    const answeredByLiar = jobs.filter((job) => job.timeline.some((attempt) => attempt.workerId === identity.workerId && attempt.outcome === 'answered'));
    expect(stats.transitions.reopened).toBeLessThanOrEqual(answeredByLiar.length);
    console.log(
      `spot checks: the liar answered ${answeredByLiar.length} jobs; ${stats.transitions.reopened} it had finished were reopened; all redone honestly`,
    );
  });

  it('blacklists a liar whose failed check could not be counted just now', async () => {
    const m = await master();
    await submit(m, 12);
    // The identity store refuses to count spot checks for now (an outage); blacklisting still works.
    const identityStore = (m.identities as unknown as { store: IdentityStore }).store;
    vi.spyOn(identityStore, 'recordSpotCheck').mockRejectedValue(new StoreUnavailableError('unreachable just now'));
    const liar: SyntheticWorker = await grid.connect(m, { name: 'liar', credit: 2, onJob: (job, self) => self.succeed(job.header, 999) });
    expect(await liar.closed).toBe(CloseCode.identityRevoked);
    expect(await m.identities.trustRecord(liar.welcome.identity.workerId)).toMatchObject({
      blacklisted: true,
      blacklistedReason: expect.stringContaining('999'),
    });
  });
});

// Dealing, not storing: one store is enough, and the wait is long.
describe('a volunteer with nothing left to take', () => {
  it('is sent nothing while jobs wait on its votes: a frame then could only be a check', async () => {
    // Spot checks all but never dealt with work, and a new volunteer's answer (0.9) short of TARGET_ERROR 0.05 alone.
    // A check sent now would be known for one, answered honestly by a liar, and earn it the credibility that settles
    // the lies it told before (an auditor's lone liar did so, 4 runs of 5, when such checks came every 5 s).
    const m = await grid.start('sqlite', { goldDir: colourGold.dir(), goldFraction: 1e-9, goldFractionNew: 1e-9, targetError: 0.05 });
    const ids = await submitColours(m.url, 6);
    const worker = await grid.connect(m, {
      name: 'honest',
      credit: 2,
      onJob: (job, self) => void classify(job).then((index) => self.succeed(job.header, index)),
    });
    await until(async () => (await Promise.all(ids.map((id) => getJob(m.url, id)))).every((job) => job.votes === 1), 'a vote on every job');
    // The code before sent such a volunteer a check within 20 s (5 to 7.5 s apart, once its idling was noticed).
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    expect(worker.jobs.map((job) => job.header.jobId).sort()).toEqual([...ids].sort());
    for (const job of await Promise.all(ids.map((id) => getJob(m.url, id)))) expect(job).toMatchObject({ status: 'queued', votes: 1 });
  });

  it('is sent no spot check while the only queued jobs are private: a frame then could only be a check', async () => {
    const m = await grid.start('sqlite', { goldDir: colourGold.dir(), goldFraction: 0.5, goldFractionNew: 0.5 });
    const ids = await submitColours(m.url, 3, { privately: true });
    expect((await getJob(m.url, ids[0]!)).trustedOnly).toBe(true);
    const worker = await grid.connect(m, {
      name: 'volunteer',
      credit: 2,
      onJob: (job, self) => void classify(job).then((index) => self.succeed(job.header, index)),
    });
    // Dealt every second (the safety net), half its slots drawn for checks: each draw asks whether a job is open to it.
    const asked = vi.spyOn(m.store, 'openTo');
    await until(() => asked.mock.calls.length >= 4, 'four slots drawn for a check');
    // Deals run one at a time: the three before the last have pushed whatever they dealt.
    expect(worker.jobs).toHaveLength(0);
  });
});
