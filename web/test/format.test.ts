import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatCredibility, formatMs, formatOrDash, formatTime, formatUptime, plural } from '../src/lib/format.ts';

describe('format', () => {
  it('writes sizes in SI units', () => {
    expect(formatBytes(830)).toBe('830 B');
    expect(formatBytes(142_000)).toBe('142 kB');
    expect(formatBytes(10_485_760)).toBe('10.5 MB');
  });

  it('shows a figure the master kept back as a dash', () => {
    expect(formatOrDash(null, formatCredibility)).toBe('—');
    expect(formatOrDash(0.5, formatCredibility)).toBe('50.0%');
    expect(formatOrDash(1200, formatCount)).toBe('1,200');
  });

  it('counts with separators and plurals', () => {
    expect(formatCount(10000)).toBe('10,000');
    expect(plural(1, 'image')).toBe('1 image');
    expect(plural(3, 'image')).toBe('3 images');
  });

  it('writes an uptime in its largest units', () => {
    expect(formatUptime(45)).toBe('45 s');
    expect(formatUptime(125)).toBe('2 min');
    expect(formatUptime(3 * 3600 + 5 * 60)).toBe('3 h 5 min');
    expect(formatUptime(2 * 86400 + 4 * 3600)).toBe('2 d 4 h');
  });

  it('writes a duration in units that stay readable from milliseconds to days', () => {
    expect(formatMs(830.4)).toBe('830 ms');
    expect(formatMs(12_400)).toBe('12.4 s');
    expect(formatMs(12 * 60_000)).toBe('12 min');
    expect(formatMs(100 * 3_600_000)).toBe('4 d 4 h');
  });

  it('writes a time alone when it is today, with its date otherwise', () => {
    const now = new Date('2026-12-06T12:00:00');
    const today = formatTime('2026-12-06T09:03:27', now);
    const weekAgo = formatTime('2026-11-29T14:03:27', now);
    const lastYear = formatTime('2025-11-29T14:03:27', now);
    expect(today).toMatch(/^\D*0?9\D03\D27\D*$/);
    expect(weekAgo).toContain('29');
    expect(weekAgo).not.toContain('2026');
    expect(weekAgo).toMatch(/14\D03\D27|0?2\D03\D27/);
    expect(lastYear).toContain('2025');
  });

  it('writes a credibility with one decimal, and more only as close to 1 as it is', () => {
    expect(formatCredibility(0.4737)).toBe('47.4%');
    expect(formatCredibility(0.98765)).toBe('98.8%');
    expect(formatCredibility(0.9991)).toBe('99.91%');
    expect(formatCredibility(0.9998)).toBe('99.98%');
    expect(formatCredibility(0.999993)).toBe('99.999%');
    expect(formatCredibility(0.99999999)).toBe('> 99.9999%');
    expect(formatCredibility(1)).toBe('100%');
  });
});
