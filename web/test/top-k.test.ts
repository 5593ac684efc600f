import { describe, expect, it } from 'vitest';
import { softmax, topK } from '../src/worker-runtime/top-k.ts';

describe('softmax', () => {
  it('sums to one and keeps the order of the logits', () => {
    const probabilities = softmax([1, 3, 2]);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(probabilities[1]).toBeGreaterThan(probabilities[2]!);
    expect(probabilities[2]).toBeGreaterThan(probabilities[0]!);
  });

  it('does not overflow on large logits', () => {
    const probabilities = softmax([1000, 1000]);
    expect([...probabilities]).toEqual([0.5, 0.5]);
  });

  it('matches the textbook formula', () => {
    const logits = [0.5, -1, 2];
    const sum = logits.reduce((total, x) => total + Math.exp(x), 0);
    softmax(logits).forEach((p, i) => expect(p).toBeCloseTo(Math.exp(logits[i]!) / sum, 12));
  });
});

describe('topK', () => {
  it('returns the k largest values, largest first, with their indices', () => {
    expect(topK([0.1, 0.5, 0.05, 0.3, 0.05], 3)).toEqual([
      { index: 1, value: 0.5 },
      { index: 3, value: 0.3 },
      { index: 0, value: 0.1 },
    ]);
  });

  it('keeps the lower index first on ties', () => {
    expect(topK([0.2, 0.4, 0.4, 0.2], 2).map((r) => r.index)).toEqual([1, 2]);
  });

  it('returns everything when k exceeds the length', () => {
    expect(topK([1, 2], 5).map((r) => r.index)).toEqual([1, 0]);
  });

  it('agrees with a full sort on 1000 random values', () => {
    const values = Array.from({ length: 1000 }, () => Math.random());
    const sorted = values.map((value, index) => ({ index, value })).sort((a, b) => b.value - a.value);
    expect(topK(values, 5)).toEqual(sorted.slice(0, 5));
  });
});
