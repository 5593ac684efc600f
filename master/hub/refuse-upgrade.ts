// Refusing a connection upgrade before any WebSocket exists: a plain HTTP answer in the API's error shape, and the
// socket destroyed once it is written. An upgraded socket is past every HTTP timeout, so one only ended (half-closed)
// would hold its connection slot for as long as a client kept its own half open.
import type { Duplex } from 'node:stream';
import type { ApiError } from '../api-types.ts';

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' };

export function refuseUpgrade(socket: Duplex, status: keyof typeof STATUS_TEXT & number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } } satisfies ApiError);
  socket.once('error', () => undefined); // a client gone meanwhile: nothing left to tell it
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
