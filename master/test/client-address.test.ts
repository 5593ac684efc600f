// Who a client counts as for every per-address limit; through a real master's sockets in ipv6-clients.test.ts.
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { addressGroup, clientOf, peerOf, proxyTrust } from '../http/client-address.ts';

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
    expect(peerOf({ remoteAddress: undefined })).toBe('unknown');
    expect(peerOf({ remoteAddress: '2001:db8:1:2::7' })).toBe('2001:db8:1:2::/64');
  });

  /** A request from `peer` carrying this X-Forwarded-For. */
  const request = (peer: string, forwardedFor?: string) =>
    ({
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      socket: { remoteAddress: peer },
      connection: { remoteAddress: peer },
    }) as unknown as IncomingMessage;

  it('count a request behind a trusted proxy as the address it forwarded, read from the right past each trusted hop', () => {
    const trust = proxyTrust(['10.0.0.0/8']);
    expect(clientOf(request('10.0.0.1', '203.0.113.9'), trust)).toBe('203.0.113.9');
    // Two trusted hops; what the client wrote itself (left of what the proxies appended) is not read.
    expect(clientOf(request('10.0.0.1', '198.51.100.1, 203.0.113.9, 10.0.0.2'), trust)).toBe('203.0.113.9');
    expect(clientOf(request('10.0.0.1', '2001:db8:1:2::7'), trust)).toBe('2001:db8:1:2::/64');
    // Only the first hop trusted: the second proxy's address is the client.
    expect(clientOf(request('10.0.0.1', '203.0.113.9, 10.0.0.2'), proxyTrust(['10.0.0.1']))).toBe('10.0.0.2');
    // A trusted proxy that forwarded nothing: itself.
    expect(clientOf(request('10.0.0.1'), trust)).toBe('10.0.0.1');
  });

  it("count a forwarded entry that is no address (a proxy writing a port, or 'unknown') as the proxy itself", () => {
    const trust = proxyTrust(['10.0.0.0/8']);
    for (const written of ['203.0.113.9:5555', 'unknown', '[2001:db8::1]:443']) expect(clientOf(request('10.0.0.1', written), trust), written).toBe('10.0.0.1');
  });

  it('never read X-Forwarded-For from a peer that is no trusted proxy: a client cannot name its address', () => {
    expect(clientOf(request('203.0.113.9', '198.51.100.1'), proxyTrust())).toBe('203.0.113.9');
    expect(clientOf(request('203.0.113.9', '198.51.100.1'), proxyTrust(['10.0.0.0/8']))).toBe('203.0.113.9');
  });
});
