// bench:hostile's /livez probes of one attack: those still in flight when it ends are its too.
import { describe, expect, it } from 'vitest';
import { ProbeWindow } from '../probe-window.ts';

/** A window that has read the probe's lines (`sent <id>`, `<id> <ms> <status>`), in order. */
function fed(probes: ProbeWindow, ...lines: string[]): ProbeWindow {
  for (const line of lines) probes.line(line);
  return probes;
}

describe('ProbeWindow', () => {
  it('counts a probe answered after the attack ended, and not one sent after', () => {
    const probes = fed(new ProbeWindow(), 'sent 1', '1 3.5 200', 'sent 2');
    probes.close();
    fed(probes, 'sent 3');
    expect(probes.pending).toBe(1);
    fed(probes, '2 2001.00 0', '3 4.00 200');
    expect(probes.pending).toBe(0);
    expect(probes.latencies).toEqual([3.5, 2001]);
    expect(probes.failed).toBe(1);
  });

  it('counts a probe never reported as failed', () => {
    const probes = fed(new ProbeWindow(), 'sent 7', 'sent 8', '7 5.00 200');
    probes.close();
    probes.giveUp();
    expect([probes.failed, probes.pending, probes.latencies]).toEqual([1, 0, [5]]);
  });

  it('ignores answers to probes sent before the window opened', () => {
    const probes = fed(new ProbeWindow(), '0 12.00 0');
    expect([probes.failed, probes.latencies]).toEqual([0, []]);
  });
});
