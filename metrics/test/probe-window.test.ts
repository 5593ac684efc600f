// bench:hostile's /livez probes of one attack: those still in flight when it ends are its too.
import { describe, expect, it } from 'vitest';
import { ProbeWindow } from '../probe-window.ts';

describe('ProbeWindow', () => {
  it('counts a probe answered after the attack ended, and not one sent after', () => {
    const probes = new ProbeWindow();
    probes.line('sent 1');
    probes.line('1 3.5 200');
    probes.line('sent 2');
    probes.close();
    probes.line('sent 3');
    expect(probes.pending).toBe(1);
    probes.line('2 2001.00 0');
    probes.line('3 4.00 200');
    expect(probes.pending).toBe(0);
    expect(probes.latencies).toEqual([3.5, 2001]);
    expect(probes.failed).toBe(1);
  });

  it('counts a probe never reported as failed', () => {
    const probes = new ProbeWindow();
    probes.line('sent 7');
    probes.line('sent 8');
    probes.line('7 5.00 200');
    probes.close();
    probes.giveUp();
    expect([probes.failed, probes.pending, probes.latencies]).toEqual([1, 0, [5]]);
  });

  it('ignores answers to probes sent before the window opened', () => {
    const probes = new ProbeWindow();
    probes.line('0 12.00 0');
    expect([probes.failed, probes.latencies]).toEqual([0, []]);
  });
});
