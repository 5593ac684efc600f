// Identities are free, so agreement among new ones may be one person's: a volunteer's answer counts toward a job's
// verdict, for or against, only once its identity has passed MIN_CHECKS_TO_VERIFY spot checks. The verifier's
// decisions with spot checks recorded in the real identity stores.
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_STORE_KINDS, type OpenedIdentityStore } from '../../test/support/identity-stores.ts';
import { volunteerAnswer } from '../../test/support/store-fixtures.ts';
import type { JobResult } from '../api-types.ts';
import type { Vote } from '../store/job-store.ts';
import { Verifier } from '../trust/verification.ts';
import { DEFAULT_VERIFICATION } from '../../test/support/verification-policy.ts';

const POLICY = { ...DEFAULT_VERIFICATION, maxReplicas: 9, closeCallMargin: 0 };

const votesOf = (index: number, ...workerIds: string[]): Pick<Vote, 'identity' | 'answer'>[] =>
  workerIds.map((identity) => ({ identity, answer: volunteerAnswer(index, identity) }));

describe.each(IDENTITY_STORE_KINDS)('agreement decided with the $name identity store', (kind) => {
  let opened: OpenedIdentityStore | undefined;
  afterEach(async () => {
    await opened?.dispose();
    opened = undefined;
  });

  /** A verifier whose store holds the identities named, each with the spot checks given; every other identity is new. */
  async function verifierWith(checks: Record<string, number>, policy = POLICY): Promise<Verifier> {
    await opened?.dispose();
    const store = (opened = await kind.open()).store;
    for (const [workerId, passed] of Object.entries(checks)) for (let i = 0; i < passed; i++) await store.recordSpotCheck(workerId, true);
    return new Verifier(policy, store);
  }

  it('does not verify new identities, however many agree: credible as SABOTEUR_FRACTION makes them, they count for nothing', async () => {
    const verifier = await verifierWith({});
    const eight = votesOf(7, 'new-1', 'new-2', 'new-3', 'new-4', 'new-5', 'new-6', 'new-7');
    expect(await verifier.decide({ answer: volunteerAnswer(7, 'new-8') }, eight, false)).toEqual({ final: false, trustedOnly: false });
    const off = await verifierWith({}, { ...POLICY, minChecksToVerify: 0 });
    expect(await off.decide({ answer: volunteerAnswer(7, 'new-4') }, votesOf(7, 'new-1', 'new-2', 'new-3'), false)).toMatchObject({
      final: true,
      result: { verification: { state: 'verified' } },
    });
  });

  it('verifies once the identities that passed checks agree credibly enough, whichever answered last', async () => {
    // One passed check: 0.959 each, so three agreeing reach 0.999 and two do not; new identities add nothing.
    const verifier = await verifierWith({ a: 1, b: 1, c: 1 });
    expect((await verifier.decide({ answer: volunteerAnswer(7, 'b') }, votesOf(7, 'a', 'new-1', 'new-2', 'new-3'), false)).final).toBe(false);
    const last = await verifier.decide({ answer: volunteerAnswer(7, 'c') }, votesOf(7, 'a', 'new-1', 'b'), false);
    expect(last).toMatchObject({ final: true, result: { verification: { state: 'verified' } } });
    const first = await verifier.decide({ answer: volunteerAnswer(7, 'new-1') }, votesOf(7, 'a', 'b', 'c'), false);
    expect(first).toMatchObject({ final: true, result: { verification: { state: 'verified', replicas: { length: 4 } } } });
  });

  it("makes the result a voter's own answer, not that of a newest answerer with no say or one blacklisted", async () => {
    const verifier = await verifierWith({ a: 1, b: 1, c: 1, caught: 1 });
    await verifier.blacklist('caught', 'lied on a spot check');
    // The same top-1 as the voters', with a top-5 and probabilities of its own making.
    const echo = (workerId: string): JobResult => ({
      ...volunteerAnswer(7, workerId),
      predictions: [7, 900, 901, 902, 903].map((index, rank) => ({ index, label: `made up ${index}`, probability: rank ? 0.001 : 0.99 })),
    });
    const voters = votesOf(7, 'a', 'b', 'c');
    for (const newest of [echo('new-1'), echo('caught')]) {
      const decision = await verifier.decide({ answer: newest }, voters, false);
      expect(decision).toMatchObject({ final: true, result: { verification: { state: 'verified' } } });
      expect(decision.final && decision.result.workerId).toBe('c');
      expect(decision.final && decision.result.predictions).toEqual(voters[2]!.answer.predictions);
    }
    // Ended unverified past MAX_REPLICAS, the lead shown is still the one voter's answer, not the newcomers' echoes.
    const capped = await verifierWith({ a: 1 }, { ...POLICY, maxReplicas: 3 });
    const lone = votesOf(7, 'a');
    const unverified = await capped.decide({ answer: echo('new-3') }, [...lone, { identity: 'new-2', answer: echo('new-2') }], false);
    expect(unverified).toMatchObject({ final: true, result: { verification: { state: 'unverified' } } });
    expect(unverified.final && unverified.result.workerId).toBe('a');
    expect(unverified.final && unverified.result.predictions).toEqual(lone[0]!.answer.predictions);
  });

  it('asks for as many checks as MIN_CHECKS_TO_VERIFY says, and lets no new identity outvote a checked one', async () => {
    const strict = await verifierWith({ a: 2, b: 2, c: 2 }, { ...POLICY, minChecksToVerify: 3 });
    expect((await strict.decide({ answer: volunteerAnswer(7, 'c') }, votesOf(7, 'a', 'b'), false)).final).toBe(false);
    // A veteran past 41 checks settles alone, and six new identities answering otherwise do not hold it up.
    const veteran = await verifierWith({ veteran: 50 });
    const dissent = votesOf(8, 'new-1', 'new-2', 'new-3', 'new-4', 'new-5', 'new-6');
    expect(await veteran.decide({ answer: volunteerAnswer(7, 'veteran') }, dissent, false)).toMatchObject({
      final: true,
      result: { predictions: [{ index: 7 }] },
    });
  });

  it('ends past MAX_REPLICAS unverified on the answer in the lead among all, with no credibility when none counted', async () => {
    const verifier = await verifierWith({}, { ...POLICY, maxReplicas: 3 });
    const decision = await verifier.decide({ answer: volunteerAnswer(5, 'new-3') }, [...votesOf(5, 'new-1'), ...votesOf(6, 'new-2')], false);
    expect(decision).toMatchObject({ final: true, result: { predictions: [{ index: 5 }], verification: { state: 'unverified', credibility: 0 } } });
  });

  it('lists the vote of an identity blacklisted since it voted as blacklisted, counting for nothing', async () => {
    const verifier = await verifierWith({ a: 1, b: 1, c: 1, caught: 1 });
    await verifier.blacklist('caught', 'lied on a spot check');
    const decision = await verifier.decide({ answer: volunteerAnswer(7, 'c') }, votesOf(7, 'a', 'caught', 'b'), false);
    expect(decision).toMatchObject({ final: true, result: { verification: { state: 'verified' } } });
    const replicas = decision.final ? decision.result.verification!.replicas : [];
    expect(replicas.map((replica) => [replica.workerId, replica.agreed, replica.blacklisted])).toEqual([
      ['a', true, undefined],
      ['caught', true, true],
      ['b', true, undefined],
      ['c', true, undefined],
    ]);
  });

  it('counts the identities of one network as one voter, the one that passed the most checks', async () => {
    const verifier = await verifierWith({ a: 1, b: 1, c: 1, veteran: 50 });
    const from = (network: string, index: number, ...workerIds: string[]) =>
      workerIds.map((workerId) => ({ answer: volunteerAnswer(index, workerId), network }));
    // One passed check each (0.959): three agreeing reach 0.999 from three networks, never from one or two.
    expect((await verifier.decide(from('net-1', 7, 'c')[0]!, from('net-1', 7, 'a', 'b'), false)).final).toBe(false);
    expect((await verifier.decide(from('net-2', 7, 'c')[0]!, from('net-1', 7, 'a', 'b'), false)).final).toBe(false);
    const three = await verifier.decide(from('net-3', 7, 'c')[0]!, [...from('net-1', 7, 'a'), ...from('net-2', 7, 'b')], false);
    expect(three).toMatchObject({ final: true, result: { verification: { state: 'verified', replicas: { length: 3 } } } });
    // A network's vote is its most checked identity's, whichever answered first: the veteran's settles alone, and
    // a newer identity beside it, agreeing or not, adds and takes nothing.
    for (const neighbour of [7, 8]) {
      const decision = await verifier.decide(from('net-1', 7, 'veteran')[0]!, from('net-1', neighbour, 'a'), false);
      expect(decision).toMatchObject({ final: true, result: { workerId: 'veteran', verification: { state: 'verified' } } });
    }
    // MAX_VOTERS_PER_NETWORK 3 (volunteers known to share a NAT): three on one network verify; two of them do not.
    const sharing = await verifierWith({ a: 1, b: 1, c: 1 }, { ...POLICY, maxVotersPerNetwork: 3 });
    expect(await sharing.decide(from('net-1', 7, 'c')[0]!, from('net-1', 7, 'a', 'b'), false)).toMatchObject({
      final: true,
      result: { verification: { state: 'verified' } },
    });
    expect((await sharing.decide(from('net-1', 7, 'c')[0]!, from('net-1', 7, 'a'), false)).final).toBe(false);
  });

  it("takes a trusted worker's answer as final without any volunteer's checks", async () => {
    const verifier = await verifierWith({});
    const trusted: JobResult = { ...volunteerAnswer(7, 'fleet-1'), workerClass: 'trusted' };
    expect(await verifier.decide({ answer: trusted }, votesOf(8, 'new-1'), false)).toMatchObject({
      final: true,
      result: { verification: { state: 'trusted' } },
    });
  });
});
