// Node hands every request that offers a protocol upgrade to the server's 'upgrade' listener, and the only upgrade
// this master takes is a worker's WebSocket. Any other offer (curl --http2 sends "Upgrade: h2c" on every request of
// a plain http:// URL) is ignored, as HTTP/1.1 lets a server do: the request's head is written back without the
// offer and the socket goes through Node's HTTP parser again, so the request is served like any other, its body,
// timeouts and keep-alive included, and its connection still counted once (limitConnections counted it already).
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
    socket.unshift(Buffer.concat([headWithoutOffer(request), head]));
    parse.call(server, socket);
  };
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
