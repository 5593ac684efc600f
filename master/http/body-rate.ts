// A minimum body rate: a client that sends its upload a byte at a time holds a
// connection and an upload slot for as long as it likes unless something
// measures it. Each window, the request must have sent at least its share.
import type { RequestHandler } from 'express';
import { HttpError } from './errors.ts';

export interface BodyRateLimits {
  /** Bytes per second a request body must average over each window. */
  minBodyBytesPerSecond: number;
  /** The window the rate is measured over. */
  bodyRateWindowMs: number;
}

export function minimumBodyRate(limits: BodyRateLimits): RequestHandler {
  const perWindow = (limits.minBodyBytesPerSecond * limits.bodyRateWindowMs) / 1000;
  return (req, res, next) => {
    if (req.headers['content-length'] === '0' || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)) return next();
    const socket = req.socket;
    let mark = socket.bytesRead;
    const check = setInterval(() => {
      const sent = socket.bytesRead - mark;
      mark = socket.bytesRead;
      if (sent >= perWindow || req.readableEnded) return;
      clearInterval(check);
      const slow = new HttpError(408, 'body-too-slow', `the upload arrived slower than ${limits.minBodyBytesPerSecond} bytes a second; nothing was stored`);
      // The answer goes out first; then the request is cut off as a client hang-up is, so the upload's
      // reader (multer) stops and deletes what it wrote. Answering alone would leave it waiting on a body
      // Node no longer passes on, its file open and on disk.
      const cutOff = () => req.destroy(slow);
      if (res.headersSent) return cutOff();
      res
        .status(slow.status)
        .set('Connection', 'close')
        .json({ error: { code: slow.code, message: slow.message } });
      // Once the answer is handed to the socket: destroying the request closes the socket too.
      if (res.writableFinished) cutOff();
      else res.once('finish', cutOff).once('close', cutOff);
    }, limits.bodyRateWindowMs);
    const stop = () => clearInterval(check);
    req.once('end', stop);
    res.once('close', stop);
    next();
  };
}
