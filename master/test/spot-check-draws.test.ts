// Which slots dealt to a volunteer are spot checks: GOLD_FRACTION once its answer settles a job alone,
// GOLD_FRACTION_NEW before (never less than GOLD_FRACTION). Pure: the random draws are given.
import { describe, expect, it } from 'vitest';
import type { GoldPool } from '../trust/gold-pool.ts';
import { SpotChecks } from '../trust/spot-checks.ts';

const noGold = {} as GoldPool;
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
});
