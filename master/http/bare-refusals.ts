// Requests Node's HTTP server would refuse on its own, bare (a status line, no body): an HTTP/1.1 request that names
// no Host (RFC 9112 says 400) and an Expect header other than 100-continue (417); and a CONNECT, which it would close
// without a word. The master refuses them in the API's error shape, as every refusal; the server is created with
// requireHostHeader off so that the first reaches the app.
import type http from 'node:http';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.ts';
import { errorBody, rawRefusal, refusalHeaders, refuseOnSocket } from './raw-refusal.ts';

/** Express middleware: 400 host-required for an HTTP/1.1 request without a Host header. */
export const requireHost: RequestHandler = (req, _res, next) => {
  if (req.httpVersion === '1.1' && req.headers.host === undefined) {
    throw new HttpError(400, 'host-required', 'an HTTP/1.1 request must name the host it is for in a Host header', { Connection: 'close' });
  }
  next();
};

/** Answers an Expect header the server cannot meet with 417 expectation-failed, and closes the connection. */
export function refuseUnmetExpectations(server: http.Server): void {
  server.on('checkExpectation', (req, res) => {
    const body = errorBody('expectation-failed', `the master cannot meet "Expect: ${req.headers.expect}"; send the request without it`);
    res.writeHead(417, refusalHeaders(body)).end(body);
  });
}

/** Answers CONNECT (a proxy's tunnel: the master is none) with 405 method-not-allowed, and closes the connection. */
export function refuseConnect(server: http.Server): void {
  server.on('connect', (_req, socket) => {
    // Allow (which a 405 must carry) names what the master takes on some path: CONNECT names none of them.
    const refusal = rawRefusal(405, 'method-not-allowed', 'CONNECT is not allowed: the master is not a proxy', { Allow: 'GET, HEAD, POST, DELETE, OPTIONS' });
    refuseOnSocket(socket, refusal);
  });
}
