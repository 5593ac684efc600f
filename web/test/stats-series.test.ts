import { describe, expect, it } from 'vitest';
import { recentCount, seriesColumns } from '../src/lib/stats-series.ts';

const point = (second: number, completed: number) => ({
  at: new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString(),
  submitted: 10,
  completed,
  failed: 0,
  queued: 3,
  leased: 1,
});

describe('seriesColumns', () => {
  it('turns per-slot counts into rates per second and keeps depths as they are', () => {
    const columns = seriesColumns([point(0, 5), point(5, 10), point(10, 0)]);
    expect(columns.slotSeconds).toBe(5);
    expect(columns.completed).toEqual([1, 2, 0]);
    expect(columns.submitted).toEqual([2, 2, 2]);
    expect(columns.queued).toEqual([3, 3, 3]);
    expect(columns.times[1]! - columns.times[0]!).toBe(5);
  });

  it('assumes 5 s slots when one point is all there is', () => {
    expect(seriesColumns([point(0, 5)]).slotSeconds).toBe(5);
  });
});

describe('recentCount', () => {
  it('adds up the last slots', () => {
    const series = Array.from({ length: 20 }, (_, i) => point(i * 5, 1));
    expect(recentCount(series, 'completed')).toBe(12);
    expect(recentCount(series, 'submitted', 2)).toBe(20);
  });
});
