// The addresses a per-address allowance counts apart: at most a fixed number in a window, the rest under one shared
// key, and room again as windows end.
import { describe, expect, it } from 'vitest';
import { CountedAddresses, SHARED_KEY } from '../http/counted-addresses.ts';

describe('counted addresses', () => {
  it('counts each address apart up to the cap, then shares one key among the others, never growing past the cap', () => {
    const counted = new CountedAddresses(2, 1_000);
    expect([counted.keyFor('a', 0), counted.keyFor('b', 0), counted.keyFor('a', 10)]).toEqual(['a', 'b', 'a']);
    for (let i = 0; i < 1_000; i++) expect(counted.keyFor(`c${i}`, 20)).toBe(SHARED_KEY);
    expect(counted.size).toBe(2);
  });

  it('makes room as windows end, the oldest first', () => {
    const counted = new CountedAddresses(2, 1_000);
    counted.keyFor('a', 0);
    counted.keyFor('b', 500);
    expect(counted.keyFor('c', 999)).toBe(SHARED_KEY);
    // a's window ended: c takes its place; b's has not.
    expect(counted.keyFor('c', 1_000)).toBe('c');
    expect(counted.keyFor('d', 1_200)).toBe(SHARED_KEY);
    // An address whose own window ended is counted afresh.
    expect(counted.keyFor('b', 1_500)).toBe('b');
    expect(counted.size).toBe(2);
  });
});
