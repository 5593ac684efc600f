// New identities counted per address (in memory; the Redis-shared count runs through real masters in
// worker-identity.test.ts); an IPv6 address by its /64 (client-address.test.ts).
import { describe, expect, it } from 'vitest';
import { NewIdentityRate } from '../identity/new-identity-rate.ts';

describe('new identities per address', () => {
  it('lets a group have the most a window allows, then says how long to wait', async () => {
    const rate = new NewIdentityRate({ maxNewIdentitiesPerAddress: 2, newIdentityWindowMs: 120_000 });
    expect(await rate.take('2001:db8::1')).toBeNull();
    expect(await rate.take('2001:db8::2')).toBeNull();
    expect(await rate.take('2001:db8::3')).toMatch(/^over 2 new identities from your address in 2 min; try again in (119|120) s$/);
    expect(await rate.take('2001:db8:0:1::1')).toBeNull();
  });
});
