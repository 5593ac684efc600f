// Actions for the admin only (clearing every job, revoking a worker) need the admin token:
// Authorization: Bearer <ADMIN_TOKEN>. With no token configured they are refused.
import type { RequestHandler } from 'express';
import { HttpError } from './errors.ts';
import { sameSecret } from './same-secret.ts';

export function requireAdmin(token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!token) throw new HttpError(403, 'admin-disabled', 'this action needs ADMIN_TOKEN to be set on the master');
    const given = req.get('Authorization')?.replace(/^Bearer /, '') ?? '';
    if (!sameSecret(given, token)) throw new HttpError(401, 'admin-token-required', 'send the admin token as "Authorization: Bearer <token>"');
    next();
  };
}
