import { describe, expect, it } from 'vitest';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffDelay } from '../src/lib/backoff.ts';

describe('backoffDelay', () => {
  const low = () => 0;
  const high = () => 1;

  it('starts at half a second at most, and never retries instantly', () => {
    expect(backoffDelay(0, high)).toBe(BACKOFF_BASE_MS);
    expect(backoffDelay(0, low)).toBe(BACKOFF_BASE_MS / 2);
  });

  it('doubles with every attempt', () => {
    expect([0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, high))).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('is capped at ten seconds, even after very many attempts', () => {
    expect(backoffDelay(5, high)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(10_000, high)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(10_000, low)).toBe(BACKOFF_CAP_MS / 2);
  });

  it('spreads retries randomly over the upper half of the window', () => {
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
  });
});
