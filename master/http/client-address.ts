// Who a client is, for every per-address limit (connections, uploads, API requests, new identities): an IPv4
// address is itself (an IPv4-mapped IPv6 address too), an IPv6 address counts by its /64, the block one
// subscriber is given, whose last 64 bits a client picks freely: counted by full address, one client could
// step past every per-address limit by changing them.
import type net from 'node:net';
import ipaddr from 'ipaddr.js';

/** The client an address counts as: itself for IPv4, its /64 for IPv6; anything unparsable as it is. */
export function addressGroup(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const prefix = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...prefix, 0, 0, 0, 0]).toString()}/64`;
}

/** The client at the other end of a socket, as addressGroup counts it. */
export function clientOf(socket: Pick<net.Socket, 'remoteAddress'>): string {
  return addressGroup(socket.remoteAddress ?? 'unknown');
}
