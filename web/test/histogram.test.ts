import { describe, expect, it } from 'vitest';
import { histogramBars } from '../src/lib/histogram.ts';

describe('histogramBars', () => {
  it('turns cumulative buckets into one count per bucket', () => {
    const bars = histogramBars([
      { le: 50, count: 2 },
      { le: 100, count: 5 },
      { le: 2500, count: 5 },
      { le: null, count: 6 },
    ]);
    expect(bars).toEqual([
      { label: '≤ 50 ms', tick: '50', count: 2 },
      { label: '≤ 100 ms', tick: '100', count: 3 },
      { label: '≤ 2.5 s', tick: '2.5k', count: 0 },
      { label: '> 2.5 s', tick: '>2.5k', count: 1 },
    ]);
  });
});
