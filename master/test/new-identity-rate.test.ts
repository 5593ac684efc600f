// Who an address counts as when new identities are counted per address, and the count itself (in memory; the
// Redis-shared count runs through real masters in worker-identity.test.ts).
import { describe, expect, it } from 'vitest';
import { addressGroup, NewIdentityRate } from '../identity/new-identity-rate.ts';

describe('new identities per address', () => {
  it('counts an IPv4 address as itself, mapped or not, and an IPv6 address by its /64', () => {
    expect(addressGroup('203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8:1:2::1')).toBe(addressGroup('2001:db8:1:2:ffff::9'));
    expect(addressGroup('2001:db8:1:3::1')).not.toBe(addressGroup('2001:db8:1:2::1'));
    expect(addressGroup('unknown')).toBe('unknown');
  });

  it('lets a group have the most a window allows, then says how long to wait', async () => {
    const rate = new NewIdentityRate({ maxNewIdentitiesPerAddress: 2, newIdentityWindowMs: 120_000 });
    expect(await rate.take('2001:db8::1')).toBeNull();
    expect(await rate.take('2001:db8::2')).toBeNull();
    expect(await rate.take('2001:db8::3')).toMatch(/^over 2 new identities from your address in 2 min; try again in (119|120) s$/);
    expect(await rate.take('2001:db8:0:1::1')).toBeNull();
  });
});
