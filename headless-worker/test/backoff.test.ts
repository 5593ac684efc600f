import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelayMs } from '../backoff.ts';

describe('restart backoff', () => {
  it('starts at 1 s and doubles up to 30 s', () => {
    const delays = Array.from({ length: 8 }, (_, failures) => backoffDelayMs(failures));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts over after a reset', () => {
    const backoff = new Backoff();
    expect([backoff.nextDelayMs(), backoff.nextDelayMs(), backoff.nextDelayMs()]).toEqual([1_000, 2_000, 4_000]);
    backoff.reset();
    expect(backoff.nextDelayMs()).toBe(1_000);
  });

  it('honours custom limits', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 250 });
    expect([backoff.nextDelayMs(), backoff.nextDelayMs(), backoff.nextDelayMs()]).toEqual([100, 200, 250]);
  });
});
