// Credibility-based voting as Sarmenta (2002) defines it: worker credibility from survived spot
// checks, group credibility from agreeing and competing votes, and when a job's answer is final.
import { describe, expect, it } from 'vitest';
import { answerCredibilities, verdict, workerCredibility, type VoterRecord } from '../trust/credibility.ts';

const f = 0.1;
const settings = { targetError: 0.001, saboteurFraction: f };
const newVolunteer: VoterRecord = { trusted: false, spotChecksPassed: 0 };
const veteran = (spotChecksPassed: number): VoterRecord => ({ trusted: false, spotChecksPassed });
const trusted: VoterRecord = { trusted: true, spotChecksPassed: 0 };
const saying = (answer: number, voter: VoterRecord) => ({ answer, ...voter });

describe('worker credibility', () => {
  it('is 1 for a trusted worker, 1 − f for a new volunteer, and 1 − f/((1 − f)·k·e) after k survived checks', () => {
    expect(workerCredibility(trusted, f)).toBe(1);
    expect(workerCredibility(newVolunteer, f)).toBeCloseTo(0.9, 12);
    expect(workerCredibility(veteran(1), f)).toBeCloseTo(1 - 0.1 / (0.9 * Math.E), 12);
    expect(workerCredibility(veteran(100), f)).toBeCloseTo(1 - 0.1 / (0.9 * 100 * Math.E), 12);
    // Where the bound says less than a new volunteer gets (large f, one check), it stays at 1 − f.
    expect(workerCredibility(veteran(1), 0.8)).toBeCloseTo(0.2, 12);
  });

  it('bounds the chance that a survivor of k checks answers wrong, whatever its sabotage rate (Bayes, with blacklisting)', () => {
    for (const k of [1, 2, 5, 10, 100]) {
      // A saboteur lying at rate s survives k checks with probability (1 − s)^k; honest workers always do.
      let worst = 0;
      for (let s = 0.0005; s < 1; s += 0.0005) {
        const saboteurGivenSurvived = (f * (1 - s) ** k) / (f * (1 - s) ** k + (1 - f));
        worst = Math.max(worst, s * saboteurGivenSurvived);
      }
      const bound = 1 - workerCredibility(veteran(k), f);
      expect(worst).toBeLessThanOrEqual(bound);
      // ...and the bound is tight for many checks.
      if (k >= 10) expect(worst / bound).toBeGreaterThan(0.85);
    }
  });
});

describe('answer credibility', () => {
  it('gives a lone vote its worker’s credibility (the "every group wrong" term is in the denominator)', () => {
    expect(answerCredibilities([{ answer: 3, credibility: 0.9 }]).get(3)).toBeCloseTo(0.9, 12);
    expect(answerCredibilities([{ answer: 3, credibility: 0.99 }]).get(3)).toBeCloseTo(0.99, 12);
  });

  it('follows the formula for competing groups, and never adds up to more than 1', () => {
    const credibilities = answerCredibilities([
      { answer: 1, credibility: 0.9 },
      { answer: 1, credibility: 0.8 },
      { answer: 2, credibility: 0.95 },
    ]);
    const [right1, wrong1, right2, wrong2] = [0.9 * 0.8, 0.1 * 0.2, 0.95, 0.05];
    const evidence = wrong1 * wrong2 + right1 * wrong2 + right2 * wrong1;
    expect(credibilities.get(1)).toBeCloseTo((right1 * wrong2) / evidence, 12);
    expect(credibilities.get(2)).toBeCloseTo((right2 * wrong1) / evidence, 12);
    expect(credibilities.get(1)! + credibilities.get(2)!).toBeLessThan(1);
  });

  it('splits the credibility between trusted workers that disagree instead of dividing by zero', () => {
    const credibilities = answerCredibilities([
      { answer: 1, credibility: 1 },
      { answer: 2, credibility: 1 },
    ]);
    expect([credibilities.get(1), credibilities.get(2)]).toEqual([0.5, 0.5]);
  });
});

describe('verdict', () => {
  it('does not finish a job on one new volunteer’s word', () => {
    expect(verdict([saying(7, newVolunteer)], settings)).toEqual({ final: false, best: 7, credibility: expect.closeTo(0.9, 12) });
    expect(verdict([], settings)).toEqual({ final: false, best: null, credibility: 0 });
  });

  it('needs 4 agreeing new volunteers at f = 0.1, ε = 0.001: 1/(1 + (f/(1 − f))^m) ≥ 0.999 first at m = 4', () => {
    const needed = [1, 2, 3, 4, 5, 6].find(
      (m) =>
        verdict(
          Array.from({ length: m }, () => saying(7, newVolunteer)),
          settings,
        ).final,
    );
    expect(needed).toBe(4);
    const three = verdict(
      Array.from({ length: 3 }, () => saying(7, newVolunteer)),
      settings,
    );
    expect(three.credibility).toBeCloseTo(1 / (1 + (1 / 9) ** 3), 12);
    expect(
      verdict(
        Array.from({ length: 4 }, () => saying(7, newVolunteer)),
        settings,
      ),
    ).toEqual({
      final: true,
      answer: 7,
      credibility: expect.closeTo(1 / (1 + (1 / 9) ** 4), 12),
    });
  });

  it('finishes a job on one veteran’s word once it survived enough checks: k ≥ f/((1 − f)·e·ε) = 40.9', () => {
    expect(verdict([saying(7, veteran(40))], settings).final).toBe(false);
    expect(verdict([saying(7, veteran(41))], settings)).toMatchObject({ final: true, answer: 7 });
  });

  it('finishes a job on a trusted worker’s word, against any number of volunteers', () => {
    expect(verdict([saying(7, trusted)], settings)).toEqual({ final: true, answer: 7, credibility: 1 });
    const outvoted = [saying(3, newVolunteer), saying(3, newVolunteer), saying(3, veteran(1000)), saying(7, trusted)];
    expect(verdict(outvoted, settings)).toEqual({ final: true, answer: 7, credibility: 1 });
    expect(verdict([saying(7, trusted), saying(8, trusted)], settings)).toEqual({ final: false, best: 7, credibility: 0.5 });
  });

  it('lowers the credibility of an answer when another worker disagrees', () => {
    const four = Array.from({ length: 4 }, () => saying(7, newVolunteer));
    const agreed = verdict(four, settings);
    const disputed = verdict([...four, saying(2, newVolunteer)], settings);
    expect(agreed.final).toBe(true);
    expect(disputed).toMatchObject({ final: false, best: 7 });
    expect(disputed.credibility).toBeLessThan(agreed.credibility);
    // P(G7) P̄(G2) / (P̄(G7) P̄(G2) + P(G7) P̄(G2) + P(G2) P̄(G7))
    expect(disputed.credibility).toBeCloseTo((0.9 ** 4 * 0.1) / (0.1 ** 5 + 0.9 ** 4 * 0.1 + 0.9 * 0.1 ** 4), 12);
  });

  it('does not let colluding new identities outvote a veteran, nor the veteran overrule them alone', () => {
    const sybils = Array.from({ length: 3 }, () => saying(7, newVolunteer));
    const contested = verdict([...sybils, saying(3, veteran(100))], settings);
    expect(contested).toMatchObject({ final: false, best: 3 });
    expect(answerCredibilities(sybils.map(({ answer }) => ({ answer, credibility: 0.9 }))).get(7)).toBeGreaterThan(0.99);
    // Two colluding groups of new identities: neither answer is credible.
    const split = verdict([...sybils, ...Array.from({ length: 3 }, () => saying(5, newVolunteer))], settings);
    expect(split.final).toBe(false);
    expect(split.credibility).toBeLessThan(0.5);
  });
});
