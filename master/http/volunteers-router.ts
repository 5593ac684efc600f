// /api/volunteers: the leaderboard (paged), totals by browser and backend, and a volunteer's own standing.
import { Router } from 'express';
import type { OwnStandingView, VolunteersView } from '../api-types.ts';
import type { WorkerIdentities } from '../identity/worker-identities.ts';
import { WorkerIdentity } from '../protocol.ts';
import type { VolunteerLedger } from '../volunteers/volunteer-ledger.ts';
import { HttpError } from './errors.ts';

/** A volunteer asks for their own standing with its identity in these headers, so the token stays out of URLs and logs. */
export const WORKER_ID_HEADER = 'X-Worker-Id';
export const WORKER_TOKEN_HEADER = 'X-Worker-Token';
const DEFAULT_PAGE = 20;

export function volunteersRouter(ledger: VolunteerLedger, identities: WorkerIdentities, maxPage: number): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const offset = whole(req.query.offset, 0, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const limit = whole(req.query.limit, Math.min(DEFAULT_PAGE, maxPage), 'limit', 1, maxPage);
    const [page, totals] = await Promise.all([ledger.leaderboard(offset, limit), ledger.totals()]);
    const view: VolunteersView = { offset, limit, ...page, totals };
    res.json(view);
  });
  router.get('/me', async (req, res) => {
    const identity = WorkerIdentity.safeParse({ workerId: req.get(WORKER_ID_HEADER), token: req.get(WORKER_TOKEN_HEADER) });
    if (!identity.success) {
      throw new HttpError(400, 'bad-worker-identity', `send the identity the master issued in the ${WORKER_ID_HEADER} and ${WORKER_TOKEN_HEADER} headers`);
    }
    if (!(await identities.verify(identity.data))) throw new HttpError(403, 'unknown-worker-identity', 'that worker identity is not valid here');
    const view: OwnStandingView = { standing: await ledger.standing(identity.data.workerId) };
    res.json(view);
  });
  return router;
}

function whole(raw: unknown, fallback: number, name: string, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new HttpError(400, `bad-${name}`, `${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}
