// Which slots dealt to a volunteer are spot checks: GOLD_FRACTION once its answer settles a job alone,
// GOLD_FRACTION_NEW before (never less than GOLD_FRACTION); in one deal, no more than are encoded ahead, the rest
// of the slots drawn getting jobs, counted missed. Pure: the random draws and the pool are given.
import { describe, expect, it } from 'vitest';
import { SpotChecks } from '../trust/spot-checks.ts';

const noGold = { readyCount: 0, take: () => null };
const noIdentities = { recordSpotCheck: () => Promise.reject(new Error('not used')) };
/** The share of `draws` evenly spread random numbers in [0, 1) that deal a spot check. */
function share(fractions: { proven: number; unproven: number }, proven: boolean, draws = 1_000): number {
  let next = 0;
  const checks = new SpotChecks(noGold, fractions, noIdentities, () => next++ / draws);
  return Array.from({ length: draws }, () => checks.draw(proven)).filter(Boolean).length / draws;
}

describe('spot-check draws', () => {
  it('deal GOLD_FRACTION to a proven volunteer and GOLD_FRACTION_NEW to one not yet proven', () => {
    expect(share({ proven: 0.05, unproven: 0.25 }, true)).toBe(0.05);
    expect(share({ proven: 0.05, unproven: 0.25 }, false)).toBe(0.25);
  });

  it('never deal an unproven volunteer fewer than a proven one', () => {
    expect(share({ proven: 0.5, unproven: 0.25 }, false)).toBe(0.5);
  });

  it('promise no more spot checks in one deal than are ready: the other slots drawn get jobs, counted missed', () => {
    const ready = { readyCount: 2, take: () => null };
    const checks = new SpotChecks(ready, { proven: 1, unproven: 1 }, noIdentities, () => 0);
    const isSpotCheck = checks.deal();
    expect([true, false, true, true].map((proven) => isSpotCheck(proven))).toEqual([true, true, false, false]);
    expect(checks.counts).toMatchObject({ given: 0, missed: 2 });
    // A new deal counts what is ready then.
    ready.readyCount = 1;
    expect([checks.deal()(true), checks.deal()(true)]).toEqual([true, true]);
    expect(checks.counts.missed).toBe(2);
  });

  it('count no miss for a slot not drawn', () => {
    const checks = new SpotChecks(noGold, { proven: 0.05, unproven: 0.05 }, noIdentities, () => 0.5);
    const isSpotCheck = checks.deal();
    expect([isSpotCheck(true), isSpotCheck(false)]).toEqual([false, false]);
    expect(checks.counts.missed).toBe(0);
  });
});
