// The token buckets behind MAX_WORKER_MESSAGES_PER_SECOND and MAX_WORKER_BYTES_PER_SECOND, on a clock of the test's own (pure logic).
import { describe, expect, it } from 'vitest';
import { MessageRate, SocketRate } from '../hub/message-rate.ts';

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

describe('a worker socket’s messages and bytes', () => {
  it('takes a second’s worth of bytes at once, in messages of any size, then as many a second as the rate; the messages’ rate first', () => {
    const rate = new SocketRate(4, 1_000, 0);
    // One message the size of the whole bucket, as MAX_WORKER_BYTES_PER_SECOND is at least MAX_WORKER_MESSAGE_BYTES.
    expect(rate.take(0, 1_000)).toBeNull();
    expect(rate.take(0, 1)).toBe('bytes');
    // Half a second later, half a second's worth of bytes: 500 in two messages, not one more byte.
    expect(rate.take(500, 300)).toBeNull();
    expect(rate.take(500, 201)).toBe('bytes');
    expect(rate.take(500, 200)).toBeNull();
    // Long idle, a second's worth of each: the fifth small message is over the messages' rate, whatever its bytes.
    expect([1, 2, 3, 4, 5].map(() => rate.take(60_000, 10))).toEqual([null, null, null, null, 'messages']);
  });
});
