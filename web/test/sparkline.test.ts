import { describe, expect, it } from 'vitest';
import { sparklineShape } from '../src/lib/sparkline.ts';

describe('sparklineShape', () => {
  it('has nothing to draw without values', () => {
    expect(sparklineShape([], 100, 20)).toBeNull();
  });

  it('spreads the values across the width, with 0 at the bottom and the max at the top', () => {
    const shape = sparklineShape([0, 50, 100], 104, 24, 2)!;
    expect(shape.points).toBe('2,22 52,12 102,2');
    expect(shape).toMatchObject({ min: 0, max: 100 });
  });

  it('draws one value in the middle', () => {
    expect(sparklineShape([5], 100, 20, 0)!.points).toBe('50,0');
  });
});
