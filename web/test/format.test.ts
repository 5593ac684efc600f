import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatUptime, plural } from '../src/lib/format.ts';

describe('format', () => {
  it('writes sizes in SI units', () => {
    expect(formatBytes(830)).toBe('830 B');
    expect(formatBytes(142_000)).toBe('142 kB');
    expect(formatBytes(10_485_760)).toBe('10.5 MB');
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
});
