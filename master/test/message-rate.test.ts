// The token bucket behind MAX_WORKER_MESSAGES_PER_SECOND, on a clock of the test's own (pure logic).
import { describe, expect, it } from 'vitest';
import { MessageRate } from '../hub/message-rate.ts';

describe('a worker socket’s message rate', () => {
  it('takes a second’s worth at once, then as many a second as the rate', () => {
    const rate = new MessageRate(10, 0);
    const taken = (now: number, count: number) => Array.from({ length: count }, () => rate.take(now)).filter(Boolean).length;
    expect(taken(0, 15)).toBe(10);
    expect(taken(100, 5)).toBe(1);
    expect(taken(600, 10)).toBe(5);
    // Idle for long, it saves up a second's worth and no more.
    expect(taken(60_000, 20)).toBe(10);
  });
});
