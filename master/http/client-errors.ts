// What Node's HTTP parser refuses before any request exists (headers past MAX_HEADER_BYTES, a malformed request
// line or header, headers or a request arriving later than HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS) is answered in
// the API's error shape too: status, Content-Type: application/json and {error: {code, message}} in plain words,
// Connection: close, and the socket closed once it is written. Without a 'clientError' listener Node answers them bare
// (a 431, 400 or 408 with no body). A socket already gone or not writable, or one whose answer has begun, is only
// destroyed: nothing can be told to it without corrupting what it reads.
import type http from 'node:http';
import type net from 'node:net';
import { rawRefusal, refuseOnSocket } from './raw-refusal.ts';

export interface ClientErrorLimits {
  /** MAX_HEADER_BYTES: the server's maxHeaderSize. */
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** Node's code for the parser's error, or for a request past headersTimeout or requestTimeout (checked every connectionsCheckingInterval). */
function refusalFor(error: NodeJS.ErrnoException, limits: ClientErrorLimits, requestArrived: boolean): Refusal | null {
  const code = error.code ?? '';
  if (code === 'HPE_HEADER_OVERFLOW')
    return {
      status: 431,
      code: 'headers-too-large',
      message: `the request line and headers are larger than the limit of ${limits.maxHeaderBytes} bytes; send fewer or shorter headers`,
    };
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW')
    return { status: 413, code: 'chunk-extensions-too-large', message: "the request body's chunk extensions are too large" };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return {
      status: 408,
      code: 'request-timeout',
      message: requestArrived
        ? `the whole request did not arrive within ${limits.requestTimeoutMs} ms; nothing was stored`
        : `the request's headers did not arrive within ${limits.headersTimeoutMs} ms`,
    };
  if (code.startsWith('HPE_')) return { status: 400, code: 'bad-request', message: `the request is not well-formed HTTP/1.1 (${code})` };
  return null; // ECONNRESET and other socket errors: the client is gone, or the connection broken
}

/** The response Node's parser attached to the socket, if any (undocumented: Node keeps it in socket._httpMessage). */
const responseOn = (socket: net.Socket) => (socket as net.Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage ?? null;

/** Installs the server's one 'clientError' listener. */
export function answerClientErrors(server: http.Server, limits: ClientErrorLimits): void {
  // Bytes still arriving after an answer went out reach the parser again, which reports its error again: answered once.
  const answered = new WeakSet<net.Socket>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: net.Socket) => {
    if (answered.has(socket)) return;
    const response = responseOn(socket);
    const refusal = refusalFor(error, limits, response !== null);
    // An answer already begun on the socket cannot be followed by another; one already written whole can.
    const answerBegun = response !== null && response.headersSent && !response.writableEnded;
    if (!refusal || !socket.writable || answerBegun) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    refuseOnSocket(socket, rawRefusal(refusal.status, refusal.code, refusal.message));
  });
}
