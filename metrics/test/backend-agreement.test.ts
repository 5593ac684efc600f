import { describe, expect, it } from 'vitest';
import { comparePair, type Answer } from '../backend-agreement.ts';

const answer = (file: string, top1: number, probability: number, margin: number): Answer => ({ file, top1, probability, margin });

describe('comparePair', () => {
  it('counts the images two backends disagree on, and how close to the line they were', () => {
    const wasm = [answer('a', 1, 0.9, 0.8), answer('b', 2, 0.41, 0.02), answer('c', 3, 0.6, 0.3), null];
    const cpu = [answer('a', 1, 0.88, 0.78), answer('b', 7, 0.4, 0.01), answer('c', 3, 0.65, 0.35), answer('d', 4, 0.9, 0.8)];
    const pair = comparePair('wasm', wasm, 'cpu', cpu);
    expect(pair).toMatchObject({ a: 'wasm', b: 'cpu', compared: 3, widestDisagreeingMargin: 0.02, clearlyDecided: 2 });
    expect(pair.disagreements.map((d) => [d.file, d.a.top1, d.b.top1])).toEqual([['b', 2, 7]]);
    expect(pair.rate.value).toBeCloseTo(1 / 3);
    expect(pair.largestProbabilityGap).toBeCloseTo(0.05);
    expect(pair.narrowestAgreedMargin).toBeCloseTo(0.3);
    expect(pair.largestLeadShift).toBeCloseTo(0.05);
  });

  it('calls every compared image clearly decided when the backends never disagree', () => {
    const same = [answer('a', 1, 0.5, 0.001)];
    expect(comparePair('x', same, 'y', same)).toMatchObject({
      compared: 1,
      widestDisagreeingMargin: 0,
      clearlyDecided: 1,
      rate: { value: 0, high: expect.any(Number) },
    });
  });

  it('refuses answers for different image lists', () => {
    expect(() => comparePair('x', [null], 'y', [])).toThrow(/same images/);
  });
});
