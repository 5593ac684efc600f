// Which web pages may change things here: browsers send Origin on every
// cross-site request (and on every POST), so a request whose Origin is not an
// allowed one comes from another site's page and is refused. A request with no
// Origin is no browser page's (curl, scripts, the headless fleet) and passes.
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.ts';

const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The master's own origin (the host and port the request was sent to) always; others only when listed. */
export function originAllowed(request: IncomingMessage, allowedOrigins: string[] = []): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin.toLowerCase())) return true;
  try {
    return new URL(origin).host === request.headers.host?.toLowerCase();
  } catch {
    // "null" (a sandboxed page or a file) or garbage: no page of ours.
    return false;
  }
}

export function checkOrigin(allowedOrigins: string[] | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!CHANGING.has(req.method) || originAllowed(req, allowedOrigins)) return next();
    next(new HttpError(403, 'origin-not-allowed', `requests from pages at ${req.get('Origin')} may not change anything here (ALLOWED_ORIGINS)`));
  };
}
