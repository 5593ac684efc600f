import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatCredibility, formatOrDash, formatUptime, plural } from '../src/lib/format.ts';

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
