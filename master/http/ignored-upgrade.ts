// Node hands every request that offers a protocol upgrade to the server's 'upgrade' listener, and the only upgrade
// this master takes is a worker's WebSocket. Any other offer (curl --http2 sends "Upgrade: h2c" on every request of
// a plain http:// URL) is ignored, as HTTP/1.1 lets a server do: the request's head is written back without the
// offer and the socket goes through Node's HTTP parser again, so the request is served like any other, its body,
// timeouts and keep-alive included, and its connection still counted once (limitConnections counted it already).
// A pipelined offer (sent behind a request still being answered) waits for the answers before it: the parser is
// started again only once the socket has no response in progress, so every answer goes out, in order.
import type http from 'node:http';
import type net from 'node:net';

/** The headers that make an offer; each may also be named in Connection. */
const OFFER_HEADERS = new Set(['upgrade', 'http2-settings']);

export type IgnoreUpgrade = (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;

/** Call before anything wraps the server's 'connection' listener: the one it has first is Node's HTTP parser. */
export function upgradeIgnorer(server: http.Server): IgnoreUpgrade {
  const [parse] = server.listeners('connection') as ((socket: net.Socket) => void)[];
  if (!parse) throw new Error('upgradeIgnorer needs an http.Server');
  return (request, socket, head) => {
    afterAnswersInProgress(server, socket, () => {
      socket.unshift(Buffer.concat([headWithoutOffer(request), head]));
      // The keep-alive timeout the last answer set is not this request's: Node resets it when a request arrives.
      socket.setTimeout(server.timeout);
      parse.call(server, socket);
    });
  };
}

/**
 * Runs `then` once the socket has no response in progress, unless the socket closes or ends first (an earlier answer
 * went with Connection: close, so nothing on it is read again). Until then the socket is not flowing (Node stopped reading
 * it at the upgrade), so the bytes behind the offer wait, in order.
 *
 * Node says in no documented way which response holds a socket: a pipelined one waiting its turn has no res.socket,
 * and 'request' misses the answers Node writes itself (400 without Host, 503 past maxRequestsPerSocket). Its own
 * parser keeps it in socket._httpMessage, and the answers queued behind it are handed the socket, one at a time, by
 * the 'finish' listener Node added to each before any of ours.
 */
function afterAnswersInProgress(server: http.Server, socket: net.Socket, then: () => void): void {
  const response = (socket as net.Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (!response) return then();
  const stop = () => {
    response.off('finish', onFinish);
    socket.off('close', stop);
    socket.off('timeout', onTimeout);
  };
  const onFinish = () => {
    stop();
    if (!socket.destroyed && !socket.writableEnded) afterAnswersInProgress(server, socket, then);
  };
  // Node took its own timeout listener off at the upgrade; a stalled connection is still closed, as it would have been.
  const onTimeout = () => {
    if (!response.emit('timeout', socket) && !server.emit('timeout', socket)) socket.destroy();
  };
  response.once('finish', onFinish);
  socket.once('close', stop);
  socket.on('timeout', onTimeout);
}

/** The request line and headers as received, less the offer. The parser let no CR or LF through in any of them. */
function headWithoutOffer(request: http.IncomingMessage): Buffer {
  const lines = [`${request.method} ${request.url} HTTP/${request.httpVersion}`];
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (OFFER_HEADERS.has(lower)) continue;
    if (lower === 'connection') {
      const kept = value
        .split(',')
        .map((token) => token.trim())
        .filter((token) => token !== '' && !OFFER_HEADERS.has(token.toLowerCase()));
      if (kept.length > 0) lines.push(`${name}: ${kept.join(', ')}`);
      continue;
    }
    lines.push(`${name}: ${value}`);
  }
  // Node reads header bytes as latin1, so latin1 gives back the bytes received.
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}
