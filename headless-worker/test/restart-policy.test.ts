import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../common/backoff.ts';
import { DEFAULT_RESTART_POLICY } from '../supervised-worker.ts';

describe("the fleet's relaunch delays", () => {
  const { backoff } = DEFAULT_RESTART_POLICY;

  it('spread workers that died together over the second half of each delay', () => {
    // Each worker draws its own random numbers: here the least, a middling and the greatest one can draw.
    const firstRelaunches = [0, 0.5, 0.999].map((draw) => backoffDelay(0, backoff, () => draw));
    expect(firstRelaunches).toEqual([500, 750, 999.5]);
    const lastRelaunches = [0, 0.999].map((draw) => backoffDelay(10, backoff, () => draw));
    expect(lastRelaunches).toEqual([15_000, 29_985]);
  });
});
