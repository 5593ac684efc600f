import { describe, expect, it } from 'vitest';
import { wilsonInterval } from '../runner/wilson.ts';

describe('Wilson score interval (95%)', () => {
  // Published values: Newcombe, Statistics in Medicine 17 (1998), table I, method 3.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i of %i → [%f, %f]', (successes, trials, low, high) => {
    const interval = wilsonInterval(successes, trials);
    expect(interval.value).toBeCloseTo(successes / trials, 10);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });

  it('stays inside [0, 1] at all or nothing', () => {
    expect(wilsonInterval(10, 10).high).toBe(1);
    expect(wilsonInterval(10, 10).low).toBeCloseTo(0.7225, 4);
    expect(wilsonInterval(0, 10).low).toBe(0);
  });

  it('says nothing is known from no trials', () => {
    expect(wilsonInterval(0, 0)).toEqual({ successes: 0, trials: 0, value: Number.NaN, low: 0, high: 1 });
  });

  it('refuses impossible counts', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0.5, 2)).toThrow(RangeError);
  });
});
