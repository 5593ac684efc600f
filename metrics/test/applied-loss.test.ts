import { describe, expect, it } from 'vitest';
import { lossNotApplied } from '../runner/applied-loss.ts';

const probes = (packets: number, forwardLoss: number, returnLoss: number) => ({
  packets,
  forwardLoss,
  returnLoss,
  roundTripLoss: 1 - (1 - forwardLoss) * (1 - returnLoss),
});

describe('whether the link dropped what the loss rate says', () => {
  it('accepts what a working link measures', () => {
    // From a real run: 0.3 asked, 200 probes; and a clean link at 0.
    expect(lossNotApplied(0.3, probes(200, 0.275, 41 / 145))).toBeNull();
    expect(lossNotApplied(0.6, probes(400, 0.635, 93 / 146))).toBeNull();
    expect(lossNotApplied(0, probes(400, 0, 0))).toBeNull();
    expect(lossNotApplied(1, { packets: 400, forwardLoss: 1, returnLoss: Number.NaN, roundTripLoss: 1 })).toBeNull();
  });

  it('refuses a link that dropped nothing at 0.3, naming the direction and the counts', () => {
    expect(lossNotApplied(0.3, probes(400, 0, 0))).toMatch(/asked for 0\.3 loss .* forward 0 of 400 probes dropped \(0\.0%\).* return 0 of 400 \(0\.0%\)/);
  });

  it('refuses a link that drops one way only, or drops at loss 0', () => {
    expect(lossNotApplied(0.2, probes(400, 0.2, 0))).toMatch(/return 0 of 320/);
    expect(lossNotApplied(0.2, probes(400, 0, 0.2))).toMatch(/forward 0 of 400/);
    expect(lossNotApplied(0, probes(400, 0.05, 0))).toMatch(/forward 20 of 400/);
  });

  it('judges the return way only over the probes that got there', () => {
    // All 400 lost on the way out: nothing to say about the way back.
    expect(lossNotApplied(1, { packets: 400, forwardLoss: 1, returnLoss: Number.NaN, roundTripLoss: 1 })).toBeNull();
    expect(lossNotApplied(0.5, { packets: 400, forwardLoss: 1, returnLoss: Number.NaN, roundTripLoss: 1 })).toMatch(/forward 400 of 400/);
  });
});
