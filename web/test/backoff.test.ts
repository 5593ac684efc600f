import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/lib/backoff.ts';

describe('the web app reconnect delay', () => {
  const low = () => 0;
  const high = () => 1;

  it('starts at half a second at most, and never retries instantly', () => {
    expect(backoffDelay(0, high)).toBe(500);
    expect(backoffDelay(0, low)).toBe(250);
  });

  it('doubles with every attempt, up to ten seconds', () => {
    expect([0, 1, 2, 3, 4, 5, 10_000].map((attempt) => backoffDelay(attempt, high))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});
