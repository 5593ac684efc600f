// Who is asking: the admin, an owner (by API key or owner key), or nobody. Every router asks here, so
// the credentials are read one way everywhere; job-access.ts says what each may do with a job.
//
// Credentials come as "Authorization: Bearer <token>": the admin token, a configured API key, or an owner
// key the master issued (identity/owner-keys.ts). Browsers hold their owner key in an HttpOnly cookie
// instead, since EventSource and <img> cannot send headers; it is read only when there is no header.
import type { Request, Response } from 'express';
import type { Config } from '../config.ts';
import type { OwnerKeys } from '../identity/owner-keys.ts';
import { HttpError } from './errors.ts';
import { sameSecret } from './same-secret.ts';

/** The owner of jobs the admin submits. */
export const ADMIN_OWNER = 'admin';
/** The owner id of jobs submitted with an API key: its configured name, which is no secret. */
export const apiKeyOwner = (name: string) => `key-${name}`;

export type Requester = { role: 'admin'; owner: typeof ADMIN_OWNER } | { role: 'owner'; owner: string; via: 'api-key' | 'owner-key' } | { role: 'nobody' };

export const OWNER_COOKIE = 'grid_owner';
/** How long a browser keeps its owner key (the key itself never expires). */
const COOKIE_MAX_AGE_MS = 365 * 24 * 3_600_000;

export class Requesters {
  constructor(
    private readonly config: Pick<Config, 'adminToken' | 'apiKeys'>,
    readonly ownerKeys: OwnerKeys,
  ) {}

  /** Throws 401 when an Authorization header names no one (a wrong token, a forged owner key). */
  of(req: Request): Requester {
    const header = req.get('Authorization');
    if (header !== undefined) {
      const token = /^Bearer (\S+)$/.exec(header)?.[1];
      const requester = token === undefined ? null : this.byToken(token);
      if (!requester)
        throw new HttpError(
          401,
          'bad-credentials',
          'the Authorization header holds no admin token, API key or owner key of this master ("Authorization: Bearer <key>")',
        );
      return requester;
    }
    // A cookie that does not verify (tampered, or made with another secret) is no credential: the page gets a new key.
    const cookie = cookieValue(req.headers.cookie, OWNER_COOKIE);
    const owner = cookie === undefined ? null : this.ownerKeys.ownerOf(cookie);
    return owner ? { role: 'owner', owner, via: 'owner-key' } : { role: 'nobody' };
  }

  /** Whether submitting needs an API key (API_KEYS is set): then no owner keys are issued. */
  get keysRequired(): boolean {
    return this.config.apiKeys !== undefined;
  }

  private byToken(token: string): Requester | null {
    if (this.config.adminToken && sameSecret(token, this.config.adminToken)) return { role: 'admin', owner: ADMIN_OWNER };
    const apiKey = this.config.apiKeys?.find(({ key }) => sameSecret(token, key));
    if (apiKey) return { role: 'owner', owner: apiKeyOwner(apiKey.name), via: 'api-key' };
    const owner = this.ownerKeys.ownerOf(token);
    return owner ? { role: 'owner', owner, via: 'owner-key' } : null;
  }
}

/** Hands a browser its owner key: HttpOnly (page scripts never see it), SameSite=Strict (other sites' requests never carry it). */
export function giveOwnerCookie(req: Request, res: Response, key: string): void {
  res.cookie(OWNER_COOKIE, key, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/api', maxAge: COOKIE_MAX_AGE_MS });
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(';') ?? []) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
