import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../backoff.ts';

describe('backoffDelay', () => {
  const policy = { initialMs: 1_000, maxMs: 30_000 };

  it('starts at initialMs and doubles with every retry, up to maxMs', () => {
    const delays = Array.from({ length: 8 }, (_, retry) => backoffDelay(retry, policy));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('stays at maxMs after very many retries, and treats a negative count as the first retry', () => {
    expect(backoffDelay(10_000, policy)).toBe(30_000);
    expect(backoffDelay(-1, policy)).toBe(1_000);
  });

  it('with jitter, spreads each delay over the upper half of its window and never retries at once', () => {
    const jittered = { initialMs: 500, maxMs: 10_000, jitter: true };
    expect([0, 1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, jittered, () => 1))).toEqual([500, 1_000, 2_000, 4_000, 8_000, 10_000]);
    expect(backoffDelay(0, jittered, () => 0)).toBe(250);
    expect(backoffDelay(3, jittered, () => 0.5)).toBe(3_000);
    expect(backoffDelay(10_000, jittered, () => 0)).toBe(5_000);
  });
});

describe('Backoff', () => {
  it('sizes each delay from the failures so far, and starts over after a reset', () => {
    const backoff = new Backoff({ initialMs: 1_000, maxMs: 30_000 });
    expect([backoff.nextDelayMs(), backoff.nextDelayMs(), backoff.nextDelayMs()]).toEqual([1_000, 2_000, 4_000]);
    backoff.reset();
    expect(backoff.nextDelayMs()).toBe(1_000);
  });

  it('honours its limits', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 250 });
    expect([backoff.nextDelayMs(), backoff.nextDelayMs(), backoff.nextDelayMs()]).toEqual([100, 200, 250]);
  });
});
