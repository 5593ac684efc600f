// Identities are free, so agreement among new ones may be one person's: a volunteer answer verifies a job only
// when one of the agreeing identities has passed MIN_CHECKS_TO_VERIFY spot checks. The verifier's decisions with
// spot checks recorded in the real identity stores.
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_STORE_KINDS, type OpenedIdentityStore } from '../../test/support/identity-stores.ts';
import { volunteerAnswer } from '../../test/support/store-fixtures.ts';
import type { JobResult } from '../api-types.ts';
import type { Vote } from '../store/job-store.ts';
import { Verifier, type VerificationPolicy } from '../trust/verification.ts';

const POLICY: VerificationPolicy = {
  targetError: 0.001,
  saboteurFraction: 0.1,
  maxReplicas: 5,
  closeCallMargin: 0,
  minChecksToVerify: 1,
  maxOutvotedShare: 0.25,
  outvotedMinAnswers: 20,
};

const votesOf = (...workerIds: string[]): Vote[] => workerIds.map((identity) => ({ identity, answer: volunteerAnswer(7, identity) }));

describe.each(IDENTITY_STORE_KINDS)('agreement decided with the $name identity store', (kind) => {
  let opened: OpenedIdentityStore;
  afterEach(() => opened?.dispose());

  /** A verifier whose store holds `checked`, a volunteer that passed `checks` spot checks; every other identity is new. */
  async function verifierWith(checks: number, policy = POLICY): Promise<Verifier> {
    const store = (opened = await kind.open()).store;
    for (let i = 0; i < checks; i++) await store.recordSpotCheck('checked', true);
    return new Verifier(policy, store);
  }

  it('does not verify four agreeing new identities, credible as SABOTEUR_FRACTION makes them', async () => {
    const verifier = await verifierWith(0);
    expect(await verifier.decide(volunteerAnswer(7, 'new-4'), votesOf('new-1', 'new-2', 'new-3'), false)).toEqual({ final: false, trustedOnly: false });
    const off = await verifierWith(0, { ...POLICY, minChecksToVerify: 0 });
    expect(await off.decide(volunteerAnswer(7, 'new-4'), votesOf('new-1', 'new-2', 'new-3'), false)).toMatchObject({
      final: true,
      result: { verification: { state: 'verified' } },
    });
  });

  it('verifies the same agreement once one of them passed a spot check, whichever answered last', async () => {
    const verifier = await verifierWith(1);
    const last = await verifier.decide(volunteerAnswer(7, 'checked'), votesOf('new-1', 'new-2', 'new-3'), false);
    expect(last).toMatchObject({ final: true, result: { verification: { state: 'verified' } } });
    const first = await verifier.decide(volunteerAnswer(7, 'new-3'), votesOf('checked', 'new-1', 'new-2'), false);
    expect(first).toMatchObject({ final: true, result: { verification: { state: 'verified' } } });
  });

  it('asks for as many checks as MIN_CHECKS_TO_VERIFY says, and counts only an agreeing identity', async () => {
    const roomy = { ...POLICY, maxReplicas: 9 };
    const verifier = await verifierWith(2, { ...roomy, minChecksToVerify: 3 });
    expect((await verifier.decide(volunteerAnswer(7, 'new-3'), votesOf('checked', 'new-1', 'new-2'), false)).final).toBe(false);
    await opened.dispose();
    // Six new identities on 7 outweigh one checked identity on 8 (credibility past 0.999), but none of them passed a check.
    const votes = [{ identity: 'checked', answer: volunteerAnswer(8, 'checked') }, ...votesOf('new-1', 'new-2', 'new-3', 'new-4', 'new-5')];
    expect((await (await verifierWith(1, roomy)).decide(volunteerAnswer(7, 'new-6'), votes, false)).final).toBe(false);
    await opened.dispose();
    const off = await verifierWith(1, { ...roomy, minChecksToVerify: 0 });
    expect(await off.decide(volunteerAnswer(7, 'new-6'), votes, false)).toMatchObject({ final: true, result: { predictions: [{ index: 7 }] } });
  });

  it("takes a trusted worker's answer as final without any volunteer's checks", async () => {
    const verifier = await verifierWith(0);
    const trusted: JobResult = { ...volunteerAnswer(7, 'fleet-1'), workerClass: 'trusted' };
    expect(await verifier.decide(trusted, votesOf('new-1'), false)).toMatchObject({ final: true, result: { verification: { state: 'trusted' } } });
  });
});
