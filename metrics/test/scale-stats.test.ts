import { describe, expect, it } from 'vitest';
import { bestJain, fairness, finished, jainIndex, maxOf, minOf, split } from '../scale-stats.ts';

describe("Jain's index", () => {
  it('is 1 for an even deal, 1/n when one worker got everything, NaN with no jobs', () => {
    expect(jainIndex([3, 3, 3, 3])).toBe(1);
    expect(jainIndex([8, 0, 0, 0])).toBe(0.25);
    expect(jainIndex([1, 2, 3])).toBeCloseTo(36 / 42);
    expect(jainIndex([0, 0])).toBeNaN();
  });

  it('is at best below 1 when the jobs do not divide among the workers', () => {
    expect(bestJain(4, 4)).toBe(1);
    expect(bestJain(2, 4)).toBe(0.5);
    expect(bestJain(5, 4)).toBeCloseTo(25 / (4 * 7));
  });

  it('summarises jobs per worker with what an even and a random deal would give', () => {
    expect(fairness([2, 0, 1, 1])).toEqual({ workers: 4, jobs: 4, mean: 1, min: 0, max: 2, idleWorkers: 1, jain: 16 / 24, jainIfRandom: 0.5, jainBest: 1 });
  });
});

describe('finished', () => {
  it('counts jobs completed once, never, and more than once', () => {
    const times = new Map([
      ['a', 1],
      ['b', 2],
    ]);
    expect(finished(['a', 'b', 'c'], (id) => times.get(id) ?? 0)).toEqual({ jobs: 3, completedJobs: 2, completedEvents: 3, missing: 1, doubled: 1 });
  });
});

describe('split', () => {
  it('shares a total out evenly, the larger shares first', () => {
    expect(split(10, 4)).toEqual([3, 3, 2, 2]);
    expect(split(3, 3)).toEqual([1, 1, 1]);
  });
});

describe('200,000 values (a capacity run of that many jobs, that many workers)', () => {
  const many = Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 200_000);

  it('have a smallest and a largest, where spreading them into Math.min/max overflows the stack', () => {
    expect(minOf(many)).toBe(0);
    expect(maxOf(many)).toBe(199_999);
    expect(minOf([])).toBeUndefined();
    expect(maxOf([])).toBeUndefined();
  });

  it('give a fairness with its min and max', () => {
    expect(fairness(many)).toMatchObject({ workers: 200_000, min: 0, max: 199_999 });
  });
});
