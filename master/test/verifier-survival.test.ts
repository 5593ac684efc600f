// The verifier reads how long saboteurs lasted from the real identity stores, on every master: while Sybils keep
// coming back and being caught at 2 passed spot checks, two identities at 2 passed checks agreeing no longer settle
// a job, as they do where no catch was seen; a volunteer past the threshold still settles one alone. Only a
// volunteer's answer reads the counts: a trusted fleet's costs the store nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_STORE_KINDS, type OpenedIdentityStore } from '../../test/support/identity-stores.ts';
import { volunteerAnswer } from '../../test/support/store-fixtures.ts';
import type { JobResult } from '../api-types.ts';
import type { IdentityStore } from '../identity/identity-store.ts';
import { Verifier, type TrustRecords } from '../trust/verification.ts';
import { DEFAULT_VERIFICATION } from '../../test/support/verification-policy.ts';

const POLICY = DEFAULT_VERIFICATION;

async function passChecks(store: IdentityStore, workerId: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await store.recordSpotCheck(workerId, true);
}

describe.each(IDENTITY_STORE_KINDS)('verification with survival counts in the $name identity store', (kind) => {
  let opened: OpenedIdentityStore;
  afterEach(() => opened?.dispose());

  /** Two colluders, each past 2 spot checks, giving the same answer. */
  async function colluders(store: IdentityStore): Promise<{ first: JobResult; second: JobResult }> {
    await passChecks(store, 'colluder-a', 2);
    await passChecks(store, 'colluder-b', 2);
    return { first: volunteerAnswer(7, 'colluder-a'), second: volunteerAnswer(7, 'colluder-b') };
  }

  it('lets two volunteers with 2 passed checks settle a job together where no saboteur was caught', async () => {
    const store = (opened = await kind.open()).store;
    const { first, second } = await colluders(store);
    const decision = await new Verifier(POLICY, store).decide({ answer: second }, [{ answer: first }], false);
    expect(decision.final).toBe(true);
  });

  it('asks for more answers once many identities were caught after 2 passed checks, on another master too', async () => {
    const store = (opened = await kind.open()).store;
    // Sybils: 12 identities pass 2 checks and are caught on the third.
    for (let i = 0; i < 12; i++) {
      await passChecks(store, `sybil-${i}`, 2);
      await store.recordSpotCheck(`sybil-${i}`, false);
      await store.blacklist(`sybil-${i}`, 'answered a spot check wrong');
    }
    const { first, second } = await colluders(store);
    const elsewhere = new Verifier(POLICY, await opened.again());
    expect(await elsewhere.decide({ answer: second }, [{ answer: first }], false)).toEqual({ final: false, trustedOnly: false });
    // The session's credibility, as boards show it, says the same once read.
    expect(elsewhere.credibilityOf(false, { spotChecksPassed: 2 })).toBeLessThan(0.9);
    // A volunteer with 50 passed checks, past every catch, still settles a job alone.
    await passChecks(store, 'veteran', 50);
    expect((await elsewhere.decide({ answer: volunteerAnswer(3, 'veteran') }, [], false)).final).toBe(true);
  });

  it('reads the survival counts for a volunteer’s answer only', async () => {
    const store = (opened = await kind.open()).store;
    let reads = 0;
    const counted: TrustRecords = {
      trustRecord: (workerId) => store.trustRecord(workerId),
      recordJudgedAnswer: (...args) => store.recordJudgedAnswer(...args),
      blacklist: (workerId, reason) => store.blacklist(workerId, reason),
      owedBacktracks: () => store.owedBacktracks(),
      backtracked: (workerId, mark) => store.backtracked(workerId, mark),
      survival: () => {
        reads += 1;
        return store.survival();
      },
    };
    const verifier = new Verifier(POLICY, counted);
    const trusted: JobResult = { ...volunteerAnswer(5, 'fleet-1'), workerClass: 'trusted' };
    expect(await verifier.decide({ answer: trusted }, [], false)).toMatchObject({ final: true, result: { verification: { state: 'trusted' } } });
    expect(reads).toBe(0);
    await verifier.decide({ answer: volunteerAnswer(5, 'volunteer-1') }, [], false);
    expect(reads).toBe(1);
    // A trusted answer to a job holding a volunteer's vote weighs that vote: it reads them.
    await verifier.decide({ answer: trusted }, [{ answer: volunteerAnswer(5, 'volunteer-1') }], false);
    expect(reads).toBe(2);
  });
});
