import { describe, expect, it } from 'vitest';
import { histogramBars } from '../src/lib/histogram.ts';
import { sameCategories } from '../src/lib/chart-categories.ts';

describe('sameCategories', () => {
  it('sees the same buckets in two polls whose counts differ', () => {
    const first = histogramBars([
      { le: 50, count: 2 },
      { le: null, count: 3 },
    ]);
    const next = histogramBars([
      { le: 50, count: 4 },
      { le: null, count: 9 },
    ]);
    expect(sameCategories(first, next)).toBe(true);
  });

  it('sees new buckets', () => {
    const bars = histogramBars([
      { le: 50, count: 2 },
      { le: null, count: 3 },
    ]);
    expect(
      sameCategories(
        bars,
        histogramBars([
          { le: 50, count: 2 },
          { le: 100, count: 2 },
          { le: null, count: 3 },
        ]),
      ),
    ).toBe(false);
    expect(
      sameCategories(
        bars,
        histogramBars([
          { le: 100, count: 2 },
          { le: null, count: 3 },
        ]),
      ),
    ).toBe(false);
    expect(sameCategories(bars, null)).toBe(false);
    expect(sameCategories(null, null)).toBe(true);
  });
});
