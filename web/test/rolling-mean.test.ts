import { describe, expect, it } from 'vitest';
import { RollingMean } from '../src/worker-runtime/rolling-mean.ts';

describe('RollingMean', () => {
  it('has no value before the first sample', () => {
    expect(new RollingMean(3).value).toBeNull();
  });

  it('averages only the most recent samples', () => {
    const mean = new RollingMean(3);
    for (const sample of [100, 10, 20, 30]) mean.add(sample);
    expect(mean.value).toBe(20);
  });
});
