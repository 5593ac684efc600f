import { describe, expect, it } from 'vitest';
import { ContributionTally } from '../src/state/contribution.ts';

function memoryStorage() {
  const values = new Map<string, string>();
  return { getItem: (key: string) => values.get(key) ?? null, setItem: (key: string, value: string) => void values.set(key, value) };
}

describe('ContributionTally', () => {
  it('adds each visit to the total this browser remembers', () => {
    const storage = memoryStorage();
    const first = new ContributionTally(() => storage);
    first.sync(3);
    first.sync(5);
    expect(first.total).toBe(5);

    const second = new ContributionTally(() => storage);
    expect(second.total).toBe(5);
    second.sync(2);
    expect(second.total).toBe(7);
  });

  it('counts another tab’s progress too', () => {
    const storage = memoryStorage();
    const a = new ContributionTally(() => storage);
    const b = new ContributionTally(() => storage);
    a.sync(2);
    b.sync(1);
    expect(b.total).toBe(3);
  });

  it('still counts this visit when storage is blocked', () => {
    const tally = new ContributionTally(() => {
      throw new Error('SecurityError');
    });
    tally.sync(4);
    expect(tally.total).toBe(4);
  });
});
