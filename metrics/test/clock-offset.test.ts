import { describe, expect, it } from 'vitest';
import { offsetFromDateProbes, type DateProbe } from '../runner/clock-offset.ts';

/** Probes every 40 ms from client time `from`, each a 2 ms round trip, against a master `offset` ms ahead. */
function probes(offset: number, from: number, count = 30): DateProbe[] {
  return Array.from({ length: count }, (_, i) => {
    const sentAt = from + i * 40;
    const masterNow = sentAt + 1 + offset;
    return { sentAt, receivedAt: sentAt + 2, serverSecond: Math.floor(masterNow / 1000) * 1000 };
  });
}

describe('clock offset from Date headers', () => {
  it.each([0, 250, -3_700, 999])('finds an offset of %i ms to within a round trip and a probe spacing', (offset) => {
    const result = offsetFromDateProbes(probes(offset, 1_700_000_000_123));
    expect(result.samples).toBe(30);
    expect(Math.abs(result.offsetMs! - offset)).toBeLessThanOrEqual(result.uncertaintyMs!);
    expect(result.uncertaintyMs).toBeLessThanOrEqual(25);
  });

  it('can only bound the offset to a second without a tick between probes', () => {
    const result = offsetFromDateProbes(probes(0, 1_700_000_000_000, 3));
    expect(result.uncertaintyMs).toBeGreaterThan(400);
  });

  it('gives no offset without answers, or when the answers contradict each other', () => {
    expect(offsetFromDateProbes([])).toEqual({ offsetMs: null, uncertaintyMs: null, samples: 0 });
    const contradictory: DateProbe[] = [
      { sentAt: 0, receivedAt: 2, serverSecond: 5_000 },
      { sentAt: 10, receivedAt: 12, serverSecond: 9_000 },
    ];
    expect(offsetFromDateProbes(contradictory).offsetMs).toBeNull();
  });
});
