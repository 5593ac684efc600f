// Destructive actions need the admin token (Authorization: Bearer <ADMIN_TOKEN>).
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors.ts';

/**
 * With no token configured, bulk actions are refused; single-job actions
 * marked `openWithoutToken` stay open so a one-machine setup just works.
 */
export function requireAdmin(token: string | undefined, { openWithoutToken = false } = {}): RequestHandler {
  return (req, _res, next) => {
    if (!token) {
      if (openWithoutToken) return next();
      throw new HttpError(403, 'admin-disabled', 'this action needs ADMIN_TOKEN to be set on the master');
    }
    const given = Buffer.from(req.get('Authorization')?.replace(/^Bearer /, '') ?? '');
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, 'admin-token-required', 'send the admin token as "Authorization: Bearer <token>"');
    }
    next();
  };
}
