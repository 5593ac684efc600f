import { describe, expect, it } from 'vitest';
import { MAX_CREDIT } from '../../master/protocol.ts';
import { creditFor, nextCredit } from '../src/worker-runtime/credit.ts';

describe('creditFor', () => {
  it('holds about two seconds of work', () => {
    expect(creditFor(100, null)).toBe(20);
    expect(creditFor(250, null)).toBe(8);
  });

  it('never goes below one, however slow the worker', () => {
    expect(creditFor(5000, null)).toBe(1);
  });

  it('never exceeds the protocol maximum, however fast the worker', () => {
    expect(creditFor(5, null)).toBe(MAX_CREDIT);
    expect(creditFor(0, null)).toBe(MAX_CREDIT);
  });

  it('keeps the queue within half a short lease', () => {
    expect(creditFor(100, 1000)).toBe(5);
    expect(creditFor(100, 30_000)).toBe(20);
  });
});

describe('nextCredit', () => {
  it('moves to the new target when it differs enough', () => {
    expect(nextCredit(2, 100, null)).toBe(20);
    expect(nextCredit(20, 250, null)).toBe(8);
  });

  it('ignores small changes that are timing noise', () => {
    expect(nextCredit(20, 105, null)).toBe(20); // target 19
    expect(nextCredit(20, 90, null)).toBe(20); // target 22
  });

  it('still steps between small credits', () => {
    expect(nextCredit(1, 1000, null)).toBe(2);
    expect(nextCredit(2, 2000, null)).toBe(1);
  });
});
