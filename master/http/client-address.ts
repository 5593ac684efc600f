// Who a client is, for every per-address limit (connections, uploads, API requests, new identities): an IPv4
// address is itself (an IPv4-mapped IPv6 address too), an IPv6 address counts by its /64, the block one
// subscriber is given, whose last 64 bits a client picks freely: counted by full address, one client could
// step past every per-address limit by changing them. Behind a reverse proxy named in TRUSTED_PROXIES, a request's
// client is the address the proxy forwarded (proxy-addr, Express's own reading of X-Forwarded-For).
import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import ipaddr from 'ipaddr.js';
import proxyaddr from 'proxy-addr';

/** TRUSTED_PROXIES, compiled: whether the hop at this address is a proxy whose X-Forwarded-For the master believes. */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** Trusts the listed addresses, CIDR blocks and proxy-addr's names (loopback, linklocal, uniquelocal); none when empty. */
export const proxyTrust = (trusted: readonly string[] = []): ProxyTrust => proxyaddr.compile([...trusted]);

/** The client an address counts as: itself for IPv4, its /64 for IPv6; anything unparsable as it is. */
export function addressGroup(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...prefix, 0, 0, 0, 0]).toString()}/64`;
}

/** The peer at the other end of a socket, as addressGroup counts it: a connection's, before any request is read. */
export function peerOf(socket: Pick<net.Socket, 'remoteAddress'>): string {
  return addressGroup(socket.remoteAddress ?? 'unknown');
}

/** Whether a socket comes from a trusted proxy (TRUSTED_PROXIES): its requests carry many clients. */
export function fromTrustedProxy(socket: Pick<net.Socket, 'remoteAddress'>, trust: ProxyTrust): boolean {
  return trust(socket.remoteAddress ?? '', 0);
}

/**
 * The client a request comes from, as addressGroup counts it: its socket's peer, or, where that is a trusted proxy, the
 * address the proxies forwarded, X-Forwarded-For read from the right past each trusted hop and no further, so a client
 * cannot pass for another address by writing the header itself. Express works out req.ip by the same rule (app.ts
 * gives it the same trust), which requestClient reads.
 */
export function clientOf(req: IncomingMessage, trust: ProxyTrust): string {
  return forwardedOrPeer(proxyaddr(req, trust), req.socket);
}

/** An Express request's client (its req.ip), as clientOf works it out. */
export function requestClient(req: Pick<IncomingMessage, 'socket'> & { ip?: string }): string {
  return forwardedOrPeer(req.ip, req.socket);
}

/**
 * A forwarded entry that is no address (a proxy that writes "ip:port", or "unknown") counts as the peer: taken as it
 * is, each source port would be a client of its own, or every such client one.
 */
function forwardedOrPeer(address: string | undefined, socket: Pick<net.Socket, 'remoteAddress'>): string {
  return address !== undefined && ipaddr.isValid(address) ? addressGroup(address) : peerOf(socket);
}
