// /api/volunteers: the leaderboard (paged), totals by browser and backend, and a volunteer's own standing.
import { Router } from 'express';
import type { OwnStandingView, VolunteersView } from '../api-types.ts';
import { VolunteerId } from '../protocol.ts';
import type { VolunteerLedger } from '../volunteers/volunteer-ledger.ts';
import { HttpError } from './errors.ts';

/** A volunteer asks for their own standing with this header, so the id stays out of URLs and logs. */
export const VOLUNTEER_ID_HEADER = 'X-Volunteer-Id';
const DEFAULT_PAGE = 20;

export function volunteersRouter(ledger: VolunteerLedger, maxPage: number): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const offset = whole(req.query.offset, 0, 'offset', 0, Number.MAX_SAFE_INTEGER);
    const limit = whole(req.query.limit, Math.min(DEFAULT_PAGE, maxPage), 'limit', 1, maxPage);
    const [page, totals] = await Promise.all([ledger.leaderboard(offset, limit), ledger.totals()]);
    const view: VolunteersView = { offset, limit, ...page, totals };
    res.json(view);
  });
  router.get('/me', async (req, res) => {
    const id = VolunteerId.safeParse(req.get(VOLUNTEER_ID_HEADER));
    if (!id.success) throw new HttpError(400, 'bad-volunteer-id', `send your volunteer id in the ${VOLUNTEER_ID_HEADER} header`);
    const view: OwnStandingView = { standing: await ledger.standing(id.data) };
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
