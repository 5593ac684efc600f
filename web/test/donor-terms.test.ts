import { describe, expect, it, vi } from 'vitest';
import { BatteryPause, type BatteryLike } from '../src/state/battery-pause.ts';
import { DonorLimitsSetting } from '../src/state/donor-limits.ts';
import { VolunteerIdentity } from '../src/state/volunteer-identity.ts';
import { browserFamily } from '../src/worker-runtime/browser-family.ts';
import { busyShare, pacedMsPerImage, restAfter } from '../src/worker-runtime/cpu-share.ts';
import { creditFor } from '../src/worker-runtime/credit.ts';
import { HourlyCount } from '../src/worker-runtime/hourly-count.ts';

function memoryStorage() {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
}

describe('CPU share', () => {
  it('rests three times the work at 25%, as long as the work at 50%, not at all at 100%', () => {
    expect(restAfter(40, 25)).toBe(120);
    expect(restAfter(40, 50)).toBe(40);
    expect(restAfter(40, 100)).toBe(0);
  });

  it('sizes the credit for the slower pace: a quarter of the jobs held at 25%', () => {
    expect(pacedMsPerImage(40, 25)).toBe(160);
    expect(pacedMsPerImage(40, 100)).toBe(40);
    expect(creditFor(pacedMsPerImage(100, 25), null)).toBe(creditFor(100, null) / 4);
  });

  it('reports the busy share of working time', () => {
    expect(busyShare({ busyMs: 0, workingMs: 0 })).toBeNull();
    expect(busyShare({ busyMs: 250, workingMs: 1000 })).toBe(0.25);
  });
});

describe('HourlyCount', () => {
  it('counts the last hour only, and says when the oldest drops out', () => {
    const count = new HourlyCount();
    count.add(0);
    count.add(1_000);
    expect(count.count(3_599_999)).toBe(2);
    expect(count.nextDrop(3_599_999)).toBe(3_600_000);
    expect(count.count(3_600_000)).toBe(1);
    expect(count.count(3_601_000)).toBe(0);
    expect(count.nextDrop(3_601_000)).toBeNull();
  });
});

describe('DonorLimitsSetting', () => {
  it('starts unlimited, remembers a valid change, refuses an invalid one', () => {
    const storage = memoryStorage();
    const apply = vi.fn();
    const setting = new DonorLimitsSetting(apply, () => storage);
    expect(apply).toHaveBeenLastCalledWith({ cpuShare: 100, imagesPerHour: null });
    expect(setting.set({ cpuShare: 25, imagesPerHour: 60 })).toBe(true);
    expect(setting.set({ imagesPerHour: 0 })).toBe(false);
    expect(setting.set({ cpuShare: 30 as 25 })).toBe(false);
    expect(setting.limits).toEqual({ cpuShare: 25, imagesPerHour: 60 });
    const again = new DonorLimitsSetting(vi.fn(), () => storage);
    expect(again.limits).toEqual({ cpuShare: 25, imagesPerHour: 60 });
  });

  it('ignores a tampered stored value', () => {
    const storage = memoryStorage();
    storage.setItem('grid-donor-limits', '{"cpuShare":7}');
    expect(new DonorLimitsSetting(vi.fn(), () => storage).limits).toEqual({ cpuShare: 100, imagesPerHour: null });
  });
});

describe('VolunteerIdentity', () => {
  it('keeps the identity the master issued until the master refuses it; a name only by choice, checked like the master checks it', () => {
    const storage = memoryStorage();
    const first = new VolunteerIdentity(() => storage);
    expect(first.current).toBeNull();
    expect(first.displayName).toBeNull();
    const issued = { workerId: 'A'.repeat(22), token: 'b'.repeat(43) };
    first.remember(issued);
    expect(new VolunteerIdentity(() => storage).current).toEqual(issued);
    storage.setItem('grid-worker-identity', '{"workerId":"short","token":"x"}');
    expect(new VolunteerIdentity(() => storage).current).toBeNull();
    first.remember(issued);
    first.forget();
    expect(new VolunteerIdentity(() => storage).current).toBeNull();

    expect(first.setDisplayName('x'.repeat(41))).toMatch(/40/);
    expect(first.setDisplayName('  Ada <b>  ')).toBeNull();
    const again = new VolunteerIdentity(() => storage);
    expect(again.displayName).toBe('Ada <b>');
    expect(again.setDisplayName('')).toBeNull();
    expect(new VolunteerIdentity(() => storage).displayName).toBeNull();
  });

  it('keeps one identity for tabs opened together: the first stored, presented by the others from their next connect', () => {
    const storage = memoryStorage();
    const [tabA, tabB, tabC] = [0, 1, 2].map(() => new VolunteerIdentity(() => storage));
    expect([tabA!.current, tabB!.current]).toEqual([null, null]); // both said hello without one
    const first = { workerId: 'A'.repeat(22), token: 'a'.repeat(43) };
    tabA!.remember(first);
    tabB!.remember({ workerId: 'B'.repeat(22), token: 'b'.repeat(43) });
    expect(tabB!.current).toEqual(first);
    expect(new VolunteerIdentity(() => storage).current).toEqual(first);
    // A tab made before the first was stored, connecting only now, presents it too.
    expect(tabC!.current).toEqual(first);
  });

  it('presents the newest token of its identity another tab renewed, and forgets only the token the master refused', () => {
    const storage = memoryStorage();
    const workerId = 'A'.repeat(22);
    const dated = (issuedAt: number) => ({ workerId, token: `${issuedAt}.${'s'.repeat(43)}` });
    const [working, idle] = [0, 1].map(() => new VolunteerIdentity(() => storage));
    working!.remember(dated(1_000));
    expect(idle!.current).toEqual(dated(1_000));
    // The working tab's welcomes renew the token; the idle tab, started again, presents the renewed one.
    working!.remember(dated(2_000));
    expect(idle!.current).toEqual(dated(2_000));
    // A stored token older than the one held (a tab whose save failed) is not taken back.
    storage.setItem('grid-worker-identity', JSON.stringify(dated(1_500)));
    expect(idle!.current).toEqual(dated(2_000));

    // The idle tab's token is refused while another tab has stored another identity: that one stays.
    const other = { workerId: 'B'.repeat(22), token: `5000.${'t'.repeat(43)}` };
    storage.setItem('grid-worker-identity', JSON.stringify(other));
    idle!.forget();
    expect(new VolunteerIdentity(() => storage).current).toEqual(other);
    // The refused token itself, stored, is forgotten.
    const holder = new VolunteerIdentity(() => storage);
    holder.forget();
    expect(new VolunteerIdentity(() => storage).current).toBeNull();
  });

  it("a fleet tab whose token the master refused presents the volunteer's identity from then on, leaving the fleet's kept", () => {
    const storage = memoryStorage();
    const fleet = { workerId: 'F'.repeat(22), token: 'f'.repeat(43) };
    const volunteer = { workerId: 'V'.repeat(22), token: 'v'.repeat(43) };
    new VolunteerIdentity(() => storage, 'fleet').remember(fleet);
    new VolunteerIdentity(() => storage).remember(volunteer);
    const tab = new VolunteerIdentity(() => storage, 'fleet');
    expect(tab.current).toEqual(fleet);
    tab.becomeVolunteer();
    expect(tab.current).toEqual(volunteer);
    tab.forget();
    expect(new VolunteerIdentity(() => storage, 'fleet').current).toEqual(fleet);
  });
});

describe('BatteryPause', () => {
  function battery(charging: boolean) {
    const listeners: Array<() => void> = [];
    return {
      charging,
      addEventListener: (_type: 'chargingchange', listener: () => void) => listeners.push(listener),
      unplug() {
        this.charging = false;
        for (const listener of listeners) listener();
      },
    };
  }

  it('pauses on battery once enabled, and resumes on the charger', async () => {
    const target = { pause: vi.fn(), resume: vi.fn() };
    const device = battery(true);
    const option = new BatteryPause(target, async () => device as BatteryLike, memoryStorage);
    await vi.waitFor(() => expect(option.supported).toBe(true));
    option.setEnabled(true);
    expect(target.pause).not.toHaveBeenCalled();
    device.unplug();
    expect(target.pause).toHaveBeenCalledWith('battery');
    option.setEnabled(false);
    expect(target.resume).toHaveBeenLastCalledWith('battery');
  });

  it('is not offered where the browser has no Battery Status API', () => {
    expect(new BatteryPause({ pause() {}, resume() {} }, undefined, memoryStorage).supported).toBe(false);
  });
});

describe('browserFamily', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0', 'firefox'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36', 'chromium'],
    ['Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0', 'edge'],
    ['Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15', 'safari'],
    ['curl/8', 'other'],
  ])('%s is %s', (agent, family) => {
    expect(browserFamily(agent)).toBe(family);
  });
});
