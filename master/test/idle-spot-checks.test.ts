// Which idle sessions are due a spot check (lifecycle/idle-spot-checks.ts): volunteers only, holding votes that
// jobs may wait on, a spacing of IDLE_SPOT_CHECK_MS to 1.5 times it after their last check, never at once on first
// going idle; the dispatcher is woken when the next is due. Pure but for the wake timer.
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { IdleSpotChecks, type IdleSession } from '../lifecycle/idle-spot-checks.ts';

const session = (over: Partial<IdleSession> = {}): IdleSession => ({ workerClass: 'volunteer', waitingVotes: ['job-1'], idleCheckAfter: 0, ...over });

describe('idle spot checks', () => {
  let checks: IdleSpotChecks | undefined;
  afterEach(() => checks?.stop());

  it('space a newly idle volunteer a jittered interval from now, then make it due, and space it again', () => {
    let draw = 0.5;
    checks = new IdleSpotChecks(
      1_000,
      () => {},
      () => draw,
    );
    const idle = session();
    expect(checks.due([idle], 10_000)).toEqual([]);
    expect(idle.idleCheckAfter).toBe(11_250);
    expect(checks.due([idle], 11_249)).toEqual([]);
    draw = 1;
    expect(checks.due([idle, idle], 11_250)).toEqual([idle]);
    expect(idle.idleCheckAfter).toBe(12_750);
  });

  it('pass over trusted workers, volunteers holding no votes, and everyone at IDLE_SPOT_CHECK_MS 0', () => {
    checks = new IdleSpotChecks(1_000, () => {});
    const trusted = session({ workerClass: 'trusted', idleCheckAfter: 1 });
    const voteless = session({ waitingVotes: [], idleCheckAfter: 1 });
    expect(checks.due([trusted, voteless], 10_000)).toEqual([]);
    expect(new IdleSpotChecks(0, () => {}).due([session({ idleCheckAfter: 1 })], 10_000)).toEqual([]);
  });

  it('wake the dispatcher once, when the earliest idle volunteer is due', async () => {
    let wakes = 0;
    checks = new IdleSpotChecks(
      40,
      () => (wakes += 1),
      () => 0,
    );
    const now = Date.now();
    checks.due([session(), session({ idleCheckAfter: now + 500 })], now);
    await until(() => wakes === 1, 'a wake');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(wakes).toBe(1);
  });
});
