import { afterEach, describe, expect, it, vi } from 'vitest';
import { Pacer } from '../src/worker-runtime/cpu-share.ts';
import { CreditGate } from '../src/worker-runtime/credit-gate.ts';

const HOUR_MS = 3_600_000;
const unlimited = { cpuShare: 100, imagesPerHour: null } as const;

afterEach(() => {
  vi.useRealTimers();
});

describe('CreditGate', () => {
  it('passes the credit through while nothing holds it back', () => {
    const gate = new CreditGate(vi.fn());
    expect(gate.admit(5, unlimited)).toEqual({ credit: 5, pausedFor: [] });
  });

  it('holds the credit at 0 for every pause reason until all are taken back', () => {
    const gate = new CreditGate(vi.fn());
    gate.pause('hidden');
    gate.pause('battery');
    expect(gate.admit(5, unlimited)).toEqual({ credit: 0, pausedFor: ['hidden', 'battery'] });
    gate.resume('hidden');
    expect(gate.admit(5, unlimited)).toEqual({ credit: 0, pausedFor: ['battery'] });
    gate.resume('battery');
    expect(gate.admit(5, unlimited)).toEqual({ credit: 5, pausedFor: [] });
  });

  it('never offers more than the hourly cap leaves, and wakes once when the oldest image drops out', () => {
    vi.useFakeTimers({ now: 0 });
    const onBelowCap = vi.fn();
    const gate = new CreditGate(onBelowCap);
    const capped = { cpuShare: 100, imagesPerHour: 3 } as const;
    gate.finished(0);
    gate.finished(1_000);
    expect(gate.admit(5, capped, 2_000)).toEqual({ credit: 1, pausedFor: [] });
    gate.finished(2_000);
    expect(gate.admit(5, capped, 2_000)).toEqual({ credit: 0, pausedFor: ['hourly-limit'] });
    expect(gate.admit(5, capped, 2_000)).toEqual({ credit: 0, pausedFor: ['hourly-limit'] });
    vi.advanceTimersByTime(HOUR_MS - 2_000);
    expect(onBelowCap).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10);
    expect(onBelowCap).toHaveBeenCalledTimes(1);
    expect(gate.admit(5, capped, HOUR_MS + 10)).toEqual({ credit: 1, pausedFor: [] });
  });
});

describe('Pacer', () => {
  it('rests three times the work at a 25% share and accounts busy and working time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'performance'] });
    const pacer = new Pacer();
    vi.advanceTimersByTime(40); // the job
    const resting = pacer.rest(40, 25);
    await vi.advanceTimersByTimeAsync(120);
    expect(await resting).toEqual({ busyMs: 40, workingMs: 160 });
    vi.advanceTimersByTime(10);
    expect(await pacer.rest(10, 100)).toEqual({ busyMs: 10, workingMs: 10 });
  });
});
