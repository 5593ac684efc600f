// A volunteer blacklisted on another master sharing the store, through a real master on both stores (the other
// master's part played by the test through the same verifier and store, telling this master nothing: as when the
// relay's message is lost while Redis is away). Its sockets here stay open until one answers: that answer, result or
// failure, counts for nothing and every socket of it here is closed. A blacklisting racing this master's settling of a job: the
// other master marks the volunteer and reopens the jobs done on its word after this master decided a job on that word
// but before it committed it, so its backtracking found the job not done yet. This master reads the volunteers'
// records again once the job is done (Verifier.judge), finds the one it leaned on blacklisted, and backtracks itself:
// the job is verified again and the volunteer's socket here closed.
import { describe, expect, it, vi } from 'vitest';
import { getJob, settled, submit, until, uploadsFrom } from '../../test/support/jobs-client.ts';
import { devImages } from '../../test/support/paths.ts';
import { TEST_FLEET_TOKEN } from '../../test/support/test-master.ts';
import { useTestMasters } from '../../test/support/test-masters.ts';
import type { SyntheticJob } from '../../metrics/synthetic-worker.ts';
import { CloseCode } from '../protocol.ts';
import { Verifier } from '../trust/verification.ts';
import { reopenedBy } from '../../test/support/store-fixtures.ts';

const uploads = uploadsFrom(devImages(1).map((image) => image.path));
const grid = useTestMasters();

/** A verifier that holds each decision until the test lets it go: the window between deciding and committing. */
class HeldVerifier extends Verifier {
  private release: () => void = () => {};
  private onDecided: () => void = () => {};
  private held = Promise.resolve();
  /** Resolves when a decision is held. */
  decided = new Promise<void>(() => {});

  hold(): void {
    this.held = new Promise((resolve) => (this.release = resolve));
    this.decided = new Promise((resolve) => (this.onDecided = resolve));
  }

  letGo(): void {
    this.release();
  }

  override async decide(...args: Parameters<Verifier['decide']>): ReturnType<Verifier['decide']> {
    const decision = await super.decide(...args);
    this.onDecided();
    await this.held;
    return decision;
  }
}

describe.each(['sqlite', 'redis'] as const)('a volunteer blacklisted on another master, on the %s store', (storeName) => {
  /**
   * A master with a job held by a volunteer, "suspect", which another master has just blacklisted; with `twin`, the
   * same identity connected on a second socket before that (in another tab: a hello after it is refused).
   */
  async function suspectBlacklistedElsewhere({ twin = false } = {}) {
    let verifier: Verifier | undefined;
    const m = await grid.start(storeName, {}, { verifier: (config, records) => (verifier = new Verifier(config, records)) });
    const [id] = await submit(m.url, uploads);
    const held: SyntheticJob[] = [];
    const suspect = await grid.connect(m, { name: 'suspect', onJob: (job) => void held.push(job) });
    await until(() => held.length === 1, 'the job held by the suspect');
    const other = twin ? await grid.connect(m, { name: 'twin', hello: { identity: suspect.welcome.identity }, onJob: () => {} }) : undefined;
    const { workerId } = suspect.welcome.identity;
    const { first, mark } = await verifier!.blacklist(workerId, 'failed a spot check on another master');
    expect(first).toBe(true);
    // The other master's own walk is done (it cut off nothing here): this one learns of the blacklisting only from
    // the volunteer's next answer.
    await verifier!.backtracked(workerId, mark);
    return { m, id: id!, held, suspect, workerId, twin: other };
  }

  it('cuts it off at its next answer here, which counts for nothing', async () => {
    const { m, id, held, suspect, workerId } = await suspectBlacklistedElsewhere();
    suspect.succeed(held[0]!.header, 3);
    expect(await suspect.closed).toBe(CloseCode.identityRevoked);
    await until(async () => (await getJob(m.url, id)).votes === 1, 'its answer kept as a vote');
    expect(await getJob(m.url, id)).toMatchObject({ status: 'queued', result: null });
    const fleet = await grid.connect(m, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (j, self) => self.succeed(j.header, 5) });
    const [done] = await settled(m.url, [id], 20_000);
    expect(done!.result!.verification!.replicas.map((r) => [r.workerId, r.agreed, r.blacklisted ?? false])).toEqual([
      [workerId, false, true],
      [fleet.welcome.identity.workerId, true, false],
    ]);
  });

  it('cuts off every socket of it here at the answer of one', async () => {
    const { held, suspect, twin } = await suspectBlacklistedElsewhere({ twin: true });
    suspect.succeed(held[0]!.header, 3);
    expect(await Promise.all([suspect.closed, twin!.closed])).toEqual([CloseCode.identityRevoked, CloseCode.identityRevoked]);
  });

  it('cuts it off at its next failure here, which fails nothing', async () => {
    const { m, id, held, suspect } = await suspectBlacklistedElsewhere();
    suspect.fail(held[0]!.header, 'cannot decode this image', false);
    expect(await suspect.closed).toBe(CloseCode.identityRevoked);
    // Its lease went back with its socket, as any departed worker's: lost, not a failure that counts.
    await until(async () => (await getJob(m.url, id)).status === 'queued', 'the job back in the queue');
    expect((await getJob(m.url, id)).timeline.map((attempt) => [attempt.workerName, attempt.outcome])).toEqual([['suspect', 'lost']]);
    expect(m.lifecycle.counters.transitions.failed).toBe(0);
  });

  it('cuts it off at a failure naming another worker’s lease, which ends nothing', async () => {
    const { m, id, held, suspect } = await suspectBlacklistedElsewhere();
    const fleetJobs: SyntheticJob[] = [];
    const fleet = await grid.connect(m, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (job) => void fleetJobs.push(job) });
    const [other] = await submit(m.url, uploads);
    await until(() => fleetJobs.length === 1, 'the fleet worker holding the second job');
    // A running attempt's lease id is on the board.
    const { leaseId } = (await getJob(m.url, other!)).timeline.find((attempt) => attempt.outcome === 'running')!;
    expect(leaseId).toBe(fleetJobs[0]!.header.leaseId);

    const handled: Promise<void>[] = [];
    const fail = m.lifecycle.fail.bind(m.lifecycle);
    vi.spyOn(m.lifecycle, 'fail').mockImplementation((session, message) => {
      handled.push(fail(session, message));
      return handled.at(-1)!;
    });
    suspect.send({ type: 'failure', jobId: other!, leaseId, reason: 'cannot decode this image', retryable: true });
    expect(await suspect.closed).toBe(CloseCode.identityRevoked);
    await until(() => handled.length === 1, 'the forged failure handled');
    await handled[0];

    // Before, the fleet worker's lease was ended as lost (an attempt of its own toward MAX_LEASES) and its answer refused.
    fleet.succeed(fleetJobs[0]!.header, 5);
    const [done] = await settled(m.url, [other!], 20_000);
    expect(done!.timeline.map((attempt) => [attempt.workerName, attempt.outcome])).toEqual([['fleet', 'done']]);
    // The suspect's own lease went back with its socket, as any departed worker's.
    await until(
      async () => (await getJob(m.url, id)).timeline.some((attempt) => attempt.workerName === 'suspect' && attempt.outcome === 'lost'),
      'its own job back',
    );
    expect(held).toHaveLength(1);
  });

  it('verifies again a job settled on the word of a volunteer blacklisted elsewhere between the decision and the commit', async () => {
    let verifier: HeldVerifier | undefined;
    const m = await grid.start(storeName, {}, { verifier: (config, records) => (verifier = new HeldVerifier(config, records)) });
    verifier!.hold();
    const [id] = await submit(m.url, uploads);
    // On the test master one volunteer's answer settles a job.
    const suspect = await grid.connect(m, { name: 'suspect', onJob: (j, self) => self.succeed(j.header, 3) });
    await verifier!.decided;

    // Meanwhile another master blacklists the suspect and backtracks: the job is not done yet, so it reopens nothing.
    const { workerId } = suspect.welcome.identity;
    expect((await verifier!.blacklist(workerId, 'failed a spot check on another master')).first).toBe(true);
    expect(await reopenedBy(m.store, workerId, 'verifying again', 'unused: the image is kept')).toEqual({ reopened: [], unverified: [] });
    verifier!.letGo();

    // Done on its word, then verified again: reopened, the suspect cut off here, its answer a vote that counts for nothing.
    expect(await suspect.closed).toBe(CloseCode.identityRevoked);
    await until(async () => (await getJob(m.url, id!)).status === 'queued', 'the job reopened');
    expect(m.lifecycle.counters.transitions).toMatchObject({ completed: 1, reopened: 1 });
    // Caught with no spot check passed, it makes new identities less credible (survival.ts): the fleet redoes the job.
    const fleet = await grid.connect(m, { name: 'fleet', hello: { fleetToken: TEST_FLEET_TOKEN }, onJob: (j, self) => self.succeed(j.header, 5) });
    const [redone] = await settled(m.url, [id!], 20_000);
    expect(redone!.result!.verification!.replicas.map((r) => [r.workerId, r.top1, r.agreed, r.blacklisted ?? false])).toEqual([
      [workerId, 3, false, true],
      [fleet.welcome.identity.workerId, 5, true, false],
    ]);
  });
});
