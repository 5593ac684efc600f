// Caps on open connections, in all and per client address, on the answers one
// connection has in progress, and the server's timeouts: what keeps a flood of idle,
// slow, stalled, half-open or pipelining sockets from using up the process's file
// descriptors or memory. A connection past a cap gets a plain HTTP answer (503 or 429,
// Retry-After) and is closed before any request is read; one sent more requests than it
// may have answers in progress is closed at once (answers-in-turn.ts).
import type http from 'node:http';
import type net from 'node:net';
import { AddressCounts } from './address-counts.ts';
import { answerInTurn, answersOn } from './answers-in-turn.ts';
import { fromTrustedProxy, peerOf, type ProxyTrust } from './client-address.ts';
import { rawRefusal, refuseOnSocket } from './raw-refusal.ts';

export interface ConnectionLimits {
  /** Open connections at most (HTTP, event streams and worker sockets alike). */
  maxConnections: number;
  /** Open connections at most from one client address. */
  maxConnectionsPerAddress: number;
  /** A request's headers must arrive within this. */
  headersTimeoutMs: number;
  /** A whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /**
   * A connection stalled on the client for this long is closed: no byte arriving while a request is still incomplete,
   * or answer bytes queued that the client does not take (one that asked for an answer and reads none of it would hold
   * its place for ever). A complete request the master is still working on, with nothing queued yet, is never cut off:
   * that time is the master's. Event streams, which have their own rule, turn it off.
   */
  stalledConnectionMs: number;
  /**
   * Answers in progress on one connection at most. HTTP/1.1 lets a client send requests one after another without
   * reading the answers (pipelining); Node starts them all at once and holds each answer whole until those before it
   * are read, so hundreds sent in one packet and never read would hold hundreds of answers in memory until the
   * connection is found stalled. Browsers never pipeline; one more closes the connection at once (answers-in-turn.ts).
   */
  maxPipelinedRequests: number;
}

const RETRY = { 'Retry-After': '5' };
const SERVER_FULL = rawRefusal(503, 'too-many-connections', 'the master has as many open connections as it serves; try again shortly', RETRY);
export const ADDRESS_FULL = rawRefusal(
  429,
  'too-many-connections-from-address',
  'too many open connections from your address; close some and try again',
  RETRY,
);

/**
 * Applies the limits to a server. A trusted proxy's connections (`trust`, TRUSTED_PROXIES) carry many clients, so only
 * MAX_CONNECTIONS counts them; its clients meet the per-address limits by request (client-address.ts).
 */
export function limitConnections(server: http.Server, limits: ConnectionLimits, trust: ProxyTrust): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.stalledConnectionMs;
  answerInTurn(server, limits.maxPipelinedRequests);
  closeStalledConnections(server);
  const open = new AddressCounts();
  // The HTTP parser gets only the sockets let in: a refused one never costs a request.
  const [parse] = server.listeners('connection') as ((socket: net.Socket) => void)[];
  if (!parse) throw new Error('limitConnections needs an http.Server');
  server.removeListener('connection', parse);
  server.on('connection', (socket: net.Socket) => {
    const address = peerOf(socket);
    const perAddress = !fromTrustedProxy(socket, trust);
    const refused = open.total >= limits.maxConnections ? SERVER_FULL : perAddress && open.of(address) >= limits.maxConnectionsPerAddress ? ADDRESS_FULL : null;
    if (refused) return refuseOnSocket(socket, refused);
    parse.call(server, socket);
    open.take(address);
    socket.once('close', () => open.release(address));
  });
}

/**
 * Node's socket timeout (`server.timeout`) fires after that long with no byte moving either way, and without a
 * 'timeout' listener Node destroys the socket: also while the master itself is still working on a complete request
 * (checking and preparing a large upload, say) and has nothing to send yet, which would reset a client that did
 * nothing wrong, or lose the answer of a job already stored. With this listener Node destroys nothing by itself;
 * it closes a connection only when it is stalled on the client:
 * - no request in progress: an idle keep-alive connection (Node set its timeout to KEEP_ALIVE_TIMEOUT_MS when the
 *   last answer finished) or one whose next request has not begun to arrive;
 * - a request still incomplete: nothing of it arrived for that long;
 * - answer bytes queued on the socket that the client does not take.
 * Otherwise the master is working on a complete request and has queued nothing; the timer re-arms on the socket's
 * next write (Node refreshes it on every read and write), so a client that then stops reading is still caught.
 */
function closeStalledConnections(server: http.Server): void {
  server.on('timeout', (socket: net.Socket) => {
    const responses = answersOn(socket);
    const stalledOnClient = responses.length === 0 || responses.some((res) => !res.req.complete) || socket.writableLength > 0;
    if (stalledOnClient) socket.destroy();
  });
}
