// A refusal written straight to a socket, where Node's HTTP server or ws would otherwise answer bare or in plain text:
// a connection past its cap (before any request is read), a request Node's parser refuses, a connection upgrade
// refused. Each is in the API's error shape ({error: {code, message}} as JSON), says Connection: close, and its socket
// is destroyed once written: an upgraded or raw socket is past every HTTP timeout, so one only half-closed would hold
// its connection slot for as long as a client kept its own half open.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiError } from '../api-types.ts';

/** The body of an answer in the API's error shape. */
export const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } } satisfies ApiError);

/** The headers of a refusal with this body that closes its connection. */
export const refusalHeaders = (body: string): Record<string, string> => ({
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': String(Buffer.byteLength(body)),
  'X-Content-Type-Options': 'nosniff',
  Connection: 'close',
});

/** The bytes of such an answer. */
export function rawRefusal(status: number, code: string, message: string, headers: Record<string, string> = {}): string {
  const body = errorBody(code, message);
  const head = { ...refusalHeaders(body), ...headers };
  const lines = Object.entries(head).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${lines.join('')}\r\n${body}`;
}

/** Writes `refusal` and destroys the socket once it is written; a client gone meanwhile is told nothing. */
export function refuseOnSocket(socket: Duplex, refusal: string): void {
  socket.on('error', () => {});
  socket.once('finish', () => socket.destroy());
  socket.end(refusal);
}
