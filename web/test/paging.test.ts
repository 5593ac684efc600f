import { describe, expect, it } from 'vitest';
import { pageOffset } from '../src/lib/paging.ts';

describe('pageOffset', () => {
  it('moves by whole pages within the list', () => {
    expect(pageOffset(0, 20, 30, 20)).toBe(20);
    expect(pageOffset(20, -20, 30, 20)).toBe(0);
  });

  it('stops at the last page, however many clicks came before the answer', () => {
    // Two clicks on Next from the first page of 30, the second before the page changed.
    expect(pageOffset(pageOffset(0, 20, 30, 20), 20, 30, 20)).toBe(20);
    expect(pageOffset(20, 20, 40, 20)).toBe(20);
  });

  it('stops at the first page, and holds there for an empty list', () => {
    expect(pageOffset(0, -20, 30, 20)).toBe(0);
    expect(pageOffset(0, 20, 0, 20)).toBe(0);
  });
});
