// Trust records in both identity stores, on real SQLite and real Redis: spot checks counted per
// identity, exactly, even when two masters count at once; blacklisting keeps its first reason and
// revokes the identity and owes its backtracking until it is marked done, on every master; revoking alone still works
// as before and blacklists nothing; how long identities lasted (passed checks reached, blacklistings at each) is
// counted once per event, across masters.
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_STORE_KINDS, type OpenedIdentityStore } from '../../test/support/identity-stores.ts';
import type { TrustRecord } from '../identity/identity-store.ts';
import { SURVIVAL_BUCKETS } from '../trust/survival.ts';

describe.each(IDENTITY_STORE_KINDS)('trust records in the $name identity store', (kind) => {
  let opened: OpenedIdentityStore;
  afterEach(() => opened?.dispose());
  const open = async () => (opened = await kind.open()).store;

  it('starts every identity at zero checks, not blacklisted, and counts passed and failed checks apart', async () => {
    const store = await open();
    expect(await store.trustRecord('never-seen')).toEqual({
      spotChecksPassed: 0,
      spotChecksFailed: 0,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: false,
    });
    expect(await store.recordSpotCheck('w1', true)).toEqual({
      spotChecksPassed: 1,
      spotChecksFailed: 0,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: false,
    });
    expect(await store.recordSpotCheck('w1', true)).toEqual({
      spotChecksPassed: 2,
      spotChecksFailed: 0,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: false,
    });
    expect(await store.recordSpotCheck('w1', false)).toEqual({
      spotChecksPassed: 2,
      spotChecksFailed: 1,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: false,
    });
    expect(await store.trustRecord('w1')).toEqual({ spotChecksPassed: 2, spotChecksFailed: 1, answersJudged: 0, answersOutvoted: 0, blacklisted: false });
    expect(await store.trustRecord('w2')).toEqual({ spotChecksPassed: 0, spotChecksFailed: 0, answersJudged: 0, answersOutvoted: 0, blacklisted: false });
  });

  it('counts judged and outvoted answers apart from spot checks, exactly when two masters count at once', async () => {
    const store = await open();
    const other = await opened.again();
    await store.recordSpotCheck('voter', true);
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? store : other).recordJudgedAnswer('voter', `job-${i}`, i % 5 === 0)));
    expect(await other.recordJudgedAnswer('voter', 'job-30', true)).toEqual({
      spotChecksPassed: 1,
      spotChecksFailed: 0,
      answersJudged: 31,
      answersOutvoted: 7,
      blacklisted: false,
    });
  });

  it('judges an answer once per job: a job that ends again changes only whether it counts as outvoted', async () => {
    const store = await open();
    const other = await opened.again();
    const counts = async (record: Promise<TrustRecord>) => {
      const { answersJudged, answersOutvoted } = await record;
      return [answersJudged, answersOutvoted];
    };
    expect(await counts(store.recordJudgedAnswer('voter', 'job-1', true, 10))).toEqual([1, 1]);
    // The job reopened and verified again, on another master: still outvoted, then no longer, then again.
    expect(await counts(other.recordJudgedAnswer('voter', 'job-1', true, 20))).toEqual([1, 1]);
    expect(await counts(store.recordJudgedAnswer('voter', 'job-1', false, 30))).toEqual([1, 0]);
    expect(await counts(store.recordJudgedAnswer('voter', 'job-1', true, 40))).toEqual([1, 1]);
    // Another job, and another identity on the same job, are judged apart; two masters judging one answer at once count it once.
    expect(await counts(store.recordJudgedAnswer('voter', 'job-2', false, 40))).toEqual([2, 1]);
    await Promise.all([store.recordJudgedAnswer('other-voter', 'job-1', true, 40), other.recordJudgedAnswer('other-voter', 'job-1', true, 40)]);
    expect(await counts(store.trustRecord('other-voter'))).toEqual([1, 1]);

    // Retention forgets the pairs last judged by then, oldest first, a batch at a time; each is remembered as of its
    // last judgement (job-1's voter at 40, not 10).
    expect(await store.forgetJudged(39, 10)).toBe(0);
    expect(await store.forgetJudged(40, 2)).toBe(2);
    expect(await other.forgetJudged(40, 10)).toBe(1);
    // Forgotten, the answer would be judged anew: only ever once the job is gone and can end no more.
    expect(await counts(store.recordJudgedAnswer('voter', 'job-1', false, 50))).toEqual([3, 1]);
  });

  it('forgets a retention batch larger than a Lua script can unpack at once (RETENTION_BATCH goes up to 100,000)', async () => {
    const store = await open();
    const pairs = 9_000;
    for (let done = 0; done < pairs; done += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => store.recordJudgedAnswer('voter', `job-${done + i}`, true, 1_000)));
    }
    expect(await store.forgetJudged(1_000, 10_000)).toBe(pairs);
    expect(await store.forgetJudged(1_000, 10_000)).toBe(0);
    // Its outvoted pairs went with them: judged anew, job-0 counts once more and is no longer outvoted.
    const { answersJudged, answersOutvoted } = await store.recordJudgedAnswer('voter', 'job-0', false, 2_000);
    expect([answersJudged, answersOutvoted]).toEqual([pairs + 1, pairs]);
  });

  it('counts every check exactly when two masters record checks of one identity at once', async () => {
    const store = await open();
    const other = await opened.again();
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? store : other).recordSpotCheck('busy', i % 3 !== 0)));
    expect(await other.trustRecord('busy')).toEqual({ spotChecksPassed: 40, spotChecksFailed: 20, answersJudged: 0, answersOutvoted: 0, blacklisted: false });
  });

  it('blacklists with the first reason given, revokes the identity, and keeps its counts', async () => {
    const store = await open();
    await store.recordSpotCheck('liar', true);
    await store.recordSpotCheck('liar', false);
    // The first call blacklists it (counted once, in the statistics); a later one finds it already blacklisted.
    expect((await store.blacklist('liar', 'answered gold job g-1 with 7, expected 3')).first).toBe(true);
    expect((await store.blacklist('liar', 'a later reason')).first).toBe(false);
    expect(await store.isRevoked('liar')).toBe(true);
    const expected = {
      spotChecksPassed: 1,
      spotChecksFailed: 1,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: true,
      blacklistedReason: 'answered gold job g-1 with 7, expected 3',
    };
    expect(await store.trustRecord('liar')).toEqual(expected);
    // A check it answers after (its socket on another master still open) counts for nothing.
    expect(await store.recordSpotCheck('liar', true)).toEqual(expected);
    // Another master sees it too, and a blacklisted identity never checked before has a record.
    const other = await opened.again();
    expect(await other.trustRecord('liar')).toEqual(expected);
    await other.blacklist('fresh', 'reason');
    expect(await store.trustRecord('fresh')).toEqual({
      spotChecksPassed: 0,
      spotChecksFailed: 0,
      answersJudged: 0,
      answersOutvoted: 0,
      blacklisted: true,
      blacklistedReason: 'reason',
    });
    expect(await store.isRevoked('fresh')).toBe(true);
  });

  it('owes the backtracking of a blacklisting, on every master, until it is marked done under the latest mark', async () => {
    const store = await open();
    const other = await opened.again();
    expect(await store.owedBacktracks()).toEqual([]);
    const first = await store.blacklist('liar', 'failed a check');
    // Owed from the blacklisting's own write: a master that dies right after it leaves it owed for the others.
    expect(await other.owedBacktracks()).toEqual([{ workerId: 'liar', reason: 'failed a check', mark: first.mark }]);
    // Blacklisted again (another master, or a job found settled on its word since): owed anew, with the first reason.
    const again = await other.blacklist('liar', 'outvoted too often');
    expect(again.first).toBe(false);
    expect(again.mark).not.toBe(first.mark);
    // A walk begun before that call is not done with it.
    await store.backtracked('liar', first.mark);
    expect(await store.owedBacktracks()).toEqual([{ workerId: 'liar', reason: 'failed a check', mark: again.mark }]);
    // Revoking alone owes nothing.
    await store.revoke('revoked-only');
    await other.backtracked('liar', again.mark);
    expect(await store.owedBacktracks()).toEqual([]);
    expect(await other.owedBacktracks()).toEqual([]);
    expect((await store.trustRecord('liar')).blacklisted).toBe(true);
  });

  it('counts how long identities lasted: the checks each passed, and those blacklisted at each, once, on every master', async () => {
    const store = await open();
    const other = await opened.again();
    expect(await store.survival()).toEqual({ reached: [], caught: [] });
    // An honest identity passes 3 checks; a liar passes 2 and fails the third; one never checked is outvoted.
    for (let i = 0; i < 3; i++) await store.recordSpotCheck('honest', true);
    await store.recordSpotCheck('liar', true);
    await other.recordSpotCheck('liar', true);
    await other.recordSpotCheck('liar', false);
    // Two masters blacklisting it at once: exactly one of them did.
    const both = await Promise.all([store.blacklist('liar', 'failed a check'), other.blacklist('liar', 'failed a check')]);
    expect(both.map((call) => call.first).sort()).toEqual([false, true]);
    await other.blacklist('unchecked', 'outvoted too often');
    // Caught, it lasts no longer for the checks it answers after.
    await store.recordSpotCheck('liar', true);
    await other.recordSpotCheck('unchecked', true);
    const survival = { reached: [3, 2, 2, 1], caught: [1, 0, 1, 0] };
    expect(await store.survival()).toEqual(survival);
    expect(await other.survival()).toEqual(survival);
  });

  it('counts identities past the last survival bucket in it, once each', async () => {
    const store = await open();
    for (let i = 0; i < SURVIVAL_BUCKETS + 5; i++) await store.recordSpotCheck('veteran', true);
    await store.blacklist('veteran', 'outvoted too often');
    const { reached, caught } = await store.survival();
    expect(reached).toEqual(Array.from({ length: SURVIVAL_BUCKETS }, () => 1));
    expect(caught).toEqual(Array.from({ length: SURVIVAL_BUCKETS }, (_, bucket) => (bucket === SURVIVAL_BUCKETS - 1 ? 1 : 0)));
  });

  it('still revokes without blacklisting', async () => {
    const store = await open();
    await store.revoke('revoked');
    expect(await store.isRevoked('revoked')).toBe(true);
    expect(await store.isRevoked('other')).toBe(false);
    expect((await store.trustRecord('revoked')).blacklisted).toBe(false);
  });
});
