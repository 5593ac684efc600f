// Who a client counts as for every per-address limit; through a real master's sockets in ipv6-clients.test.ts.
import { describe, expect, it } from 'vitest';
import { addressGroup, clientOf } from '../http/client-address.ts';

describe('client addresses', () => {
  it('count an IPv4 address as itself, mapped or not, and an IPv6 address by its /64', () => {
    expect(addressGroup('203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8:1:2::1')).toBe(addressGroup('2001:db8:1:2:ffff::9'));
    expect(addressGroup('2001:db8:1:3::1')).not.toBe(addressGroup('2001:db8:1:2::1'));
    expect(addressGroup('unknown')).toBe('unknown');
  });

  it('count a socket without an address (already closed) as one unknown client', () => {
    expect(clientOf({ remoteAddress: undefined })).toBe('unknown');
    expect(clientOf({ remoteAddress: '2001:db8:1:2::7' })).toBe('2001:db8:1:2::/64');
  });
});
