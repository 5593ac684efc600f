import { describe, expect, it } from 'vitest';
import { HourlyCount } from '../src/worker-runtime/hourly-count.ts';

const HOUR_MS = 3_600_000;

describe('HourlyCount', () => {
  it('counts the finishes of the last hour', () => {
    const hourly = new HourlyCount();
    hourly.add(0);
    hourly.add(1_000);
    expect(hourly.count(2_000)).toBe(2);
    expect(hourly.nextDrop(2_000)).toBe(HOUR_MS);
    expect(hourly.count(HOUR_MS)).toBe(1);
    expect(hourly.count(HOUR_MS + 1_000)).toBe(0);
    expect(hourly.nextDrop(HOUR_MS + 1_000)).toBeNull();
  });

  it('holds under two hours of finishes though nobody asks for the count (no cap set)', () => {
    const hourly = new HourlyCount();
    // A fleet page at 30 ms an image for three hours.
    for (let now = 0; now < 3 * HOUR_MS; now += 30) hourly.add(now);
    expect(hourly.count(3 * HOUR_MS - 30)).toBe(HOUR_MS / 30);
    expect(hourly.held).toBeLessThanOrEqual((2 * HOUR_MS) / 30);
  });
});
