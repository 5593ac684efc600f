// New identities counted per address (in memory; the Redis-shared count runs through real masters in
// worker-identity.test.ts); an IPv6 address by its /64 (client-address.test.ts).
import { describe, expect, it } from 'vitest';
import { NewIdentityRate } from '../identity/new-identity-rate.ts';

describe('new identities per address', () => {
  it('lets a group have the most a window allows, then says how long to wait', async () => {
    const rate = new NewIdentityRate({ maxNewIdentitiesPerAddress: 2, newIdentityWindowMs: 120_000, maxCountedAddresses: 100 });
    expect(await rate.take('2001:db8::1')).toBeNull();
    expect(await rate.take('2001:db8::2')).toBeNull();
    expect(await rate.take('2001:db8::3')).toMatch(/^over 2 new identities from your address in 2 min; try again in (119|120) s$/);
    expect(await rate.take('2001:db8:0:1::1')).toBeNull();
  });

  it('counts at most MAX_COUNTED_ADDRESSES /64s apart in a window: the rest share one allowance, however many there are', async () => {
    const rate = new NewIdentityRate({ maxNewIdentitiesPerAddress: 2, newIdentityWindowMs: 120_000, maxCountedAddresses: 3 });
    for (const group of [1, 2, 3]) expect(await rate.take(`2001:db8:0:${group}::1`)).toBeNull();
    // 10,000 more /64s, as a client with a routed block could bring: two identities between them all.
    const past = await Promise.all(Array.from({ length: 10_000 }, (_, i) => rate.take(`2001:db8:1:${i.toString(16)}::1`)));
    expect(past.filter((refusal) => refusal === null)).toHaveLength(2);
    // An address counted before the flood keeps its own allowance.
    expect(await rate.take('2001:db8:0:1::2')).toBeNull();
    expect(await rate.take('2001:db8:0:1::3')).toMatch(/^over 2 new identities/);
  });
});
