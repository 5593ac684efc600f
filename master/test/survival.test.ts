// How long saboteurs lasted, as evidence against Sarmenta's assumed bound (trust/survival.ts): what each
// spot check and blacklisting counts, the share of saboteurs the counts prove among identities with k passed
// checks, and how that caps a volunteer's credibility, so that Sybils returning after each blacklisting cannot
// settle a job together on two passed checks each.
import { describe, expect, it } from 'vitest';
import { verdict, workerCredibility } from '../trust/credibility.ts';
import { afterBlacklisting, afterSpotCheck, NO_SURVIVAL, observedSaboteurShare, SURVIVAL_BUCKETS, survivalOf } from '../trust/survival.ts';

const checks = (spotChecksPassed: number, spotChecksFailed = 0) => ({ spotChecksPassed, spotChecksFailed });

describe('survival counts', () => {
  it('count an identity at 0 on its first check, at k when it passes its k-th, and where it stood when blacklisted', () => {
    expect(afterSpotCheck(checks(1), true)).toEqual([
      ['reached', 0],
      ['reached', 1],
    ]);
    expect(afterSpotCheck(checks(0, 1), false)).toEqual([['reached', 0]]);
    expect(afterSpotCheck(checks(5, 1), true)).toEqual([['reached', 5]]);
    expect(afterSpotCheck(checks(5, 2), false)).toEqual([]);
    // Past the last bucket nothing more is reached: each identity is counted there once.
    expect(afterSpotCheck(checks(SURVIVAL_BUCKETS - 1), true)).toEqual([['reached', SURVIVAL_BUCKETS - 1]]);
    expect(afterSpotCheck(checks(SURVIVAL_BUCKETS), true)).toEqual([]);
    expect(afterBlacklisting(checks(2, 1))).toEqual([['caught', 2]]);
    expect(afterBlacklisting(checks(SURVIVAL_BUCKETS + 9))).toEqual([['caught', SURVIVAL_BUCKETS - 1]]);
    // One outvoted without ever being checked had not been counted anywhere.
    expect(afterBlacklisting(checks(0))).toEqual([
      ['reached', 0],
      ['caught', 0],
    ]);
  });

  it('read back dense from stored triples', () => {
    expect(survivalOf([])).toEqual({ reached: [], caught: [] });
    expect(
      survivalOf([
        ['reached', 0, 4],
        ['caught', 2, 1],
      ]),
    ).toEqual({ reached: [4, 0, 0], caught: [0, 0, 1] });
  });
});

describe('the share of saboteurs the blacklistings prove', () => {
  it('is 0 without a catch at or past k, whatever else was seen', () => {
    expect(observedSaboteurShare(NO_SURVIVAL, 3)).toBe(0);
    const caughtEarly = { reached: [20, 20, 20, 20], caught: [5, 0, 0, 0] };
    expect(observedSaboteurShare(caughtEarly, 0)).toBeGreaterThan(0);
    expect(observedSaboteurShare(caughtEarly, 1)).toBe(0);
    expect(observedSaboteurShare(caughtEarly, 40)).toBe(0);
  });

  it('is the lower end of the 95% interval of caught among reached: little from few identities, near the share from many', () => {
    const one = observedSaboteurShare({ reached: [0, 0, 1], caught: [0, 0, 1] }, 2);
    expect(one).toBeGreaterThan(0);
    expect(one).toBeLessThan(0.25);
    const many = observedSaboteurShare({ reached: [0, 0, 1000], caught: [0, 0, 600] }, 2);
    expect(many).toBeGreaterThan(0.56);
    expect(many).toBeLessThan(0.6);
    // Catches at k or more all count against k.
    expect(observedSaboteurShare({ reached: [0, 0, 100], caught: [0, 0, 20, 20, 20] }, 2)).toBeCloseTo(
      observedSaboteurShare({ reached: [0, 0, 100], caught: [0, 0, 60] }, 2),
      12,
    );
  });
});

describe('a volunteer’s credibility with survival counts', () => {
  const f = 0.1;
  // Sybils back after every blacklisting: of the 38 identities that reached 2 passed checks, 18 were caught later.
  const sybils = { reached: [110, 50, 38, 30, 24, 20], caught: [50, 12, 14, 4, 0, 0] };
  const at = (spotChecksPassed: number) => ({ trusted: false, spotChecksPassed, observedSaboteurShare: observedSaboteurShare(sybils, spotChecksPassed) });

  it('is never more than what the catches at its number of checks show, and is Sarmenta’s bound where none was caught', () => {
    // 18 of 38 caught: the interval's lower end is some 0.32, well above the assumed f.
    expect(observedSaboteurShare(sybils, 2)).toBeGreaterThan(0.3);
    expect(workerCredibility(at(2), f)).toBeCloseTo(1 - observedSaboteurShare(sybils, 2), 12);
    expect(workerCredibility(at(5), f)).toBeCloseTo(workerCredibility({ trusted: false, spotChecksPassed: 5 }, f), 12);
    expect(workerCredibility({ ...at(2), trusted: true }, f)).toBe(1);
  });

  it('stops two colluders with 2 passed checks each from settling a job, which Sarmenta’s bound alone lets them', () => {
    const settings = { targetError: 0.001, saboteurFraction: f };
    const colluders = (record: (k: number) => { trusted: boolean; spotChecksPassed: number }) => [7, 7].map((answer) => ({ answer, ...record(2) }));
    expect(
      verdict(
        colluders((k) => ({ trusted: false, spotChecksPassed: k })),
        settings,
      ).final,
    ).toBe(true);
    expect(verdict(colluders(at), settings).final).toBe(false);
    // An honest volunteer past the threshold, with no catch among its peers, still settles a job alone.
    expect(verdict([{ answer: 3, ...at(50) }], settings).final).toBe(true);
  });
});
