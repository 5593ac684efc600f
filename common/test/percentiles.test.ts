import { describe, expect, it } from 'vitest';
import { distribution, percentile } from '../percentiles.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('returns observed values at the nearest rank', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([3, 7, 9], 50)).toBe(7);
    expect(percentile([3, 7, 9], 0)).toBe(3);
  });

  it('is NaN for no data rather than a made-up zero', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(distribution([]).mean).toBeNaN();
  });

  it('summarises unsorted input', () => {
    expect(distribution([5, 1, 4, 2, 3])).toEqual({ count: 5, mean: 3, p50: 3, p90: 5, p99: 5, max: 5 });
  });
});
