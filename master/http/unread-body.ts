// A request answered before its body has arrived (refused from its headers: too large, too many uploads at once, no
// such route) would have Node read the rest of that body to throw it away, keeping the connection open for as long
// as the client goes on sending, outside every upload cap. Its answer says Connection: close instead, and Node
// closes the socket once the answer is written.
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';

/** Whether the request declared a body that has not all arrived. */
export function bodyUnread(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** First in the app: whatever answers the request, the answer's headers are written through writeHead. */
export const closeWhenBodyUnread: RequestHandler = (req, res, next) => {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
  res.writeHead = ((...args: unknown[]) => {
    if (bodyUnread(req)) res.setHeader('Connection', 'close');
    return writeHead(...args);
  }) as typeof res.writeHead;
  next();
};
