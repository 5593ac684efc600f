// /api/workers: the workers connected to this master, a page at a time (MAX_WORKERS_PAGE: anyone may ask, and ten
// thousand workers are megabytes; only the page is serialised), on a private board their credibility and checks
// passed to the admin only (check-counters.ts); revoking a worker identity (admin).
import { Router } from 'express';
import type { RevokedView, WorkerPage } from '../api-types.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import { WorkerIdentityId } from '../protocol.ts';
import { withoutTrust } from '../trust/hidden-trust.ts';
import { requireAdmin } from './admin.ts';
import { seesCheckCounters } from './check-counters.ts';
import { HttpError } from './errors.ts';
import type { Board } from './job-access.ts';
import { parseQuery, workerListQuery } from './queries.ts';
import type { Requesters } from './requester.ts';

/** `revoke`: refuses the identity from now on and blacklists it (JobLifecycle.revokeIdentity); answers how many of its sockets here it closed. */
export function workersRouter(
  workers: WorkerRegistry,
  revoke: (workerId: string) => Promise<number>,
  access: { requesters: Requesters; board: Board; adminToken: string | undefined; maxPage: number },
): Router {
  const router = Router();
  const listQuery = workerListQuery(access.maxPage);
  router.get('/', (req, res) => {
    const { limit, cursor } = parseQuery(listQuery, req);
    const page = workers.page(Number(cursor ?? 0), limit);
    const seesTrust = seesCheckCounters(access.requesters.of(req), access.board);
    const view: WorkerPage = {
      total: workers.size,
      workers: page.sessions.map((session) => (seesTrust ? session.view() : withoutTrust(session.view()))),
      nextCursor: page.next === null ? null : String(page.next),
    };
    res.json(view);
  });
  /**
   * Its token is refused from now on, on every master sharing the store, and it is blacklisted: its votes count for
   * nothing, every job verified on its word is verified again, its sockets close (4004) here and on the masters it tells
   * (elsewhere, for a master the message missed, at their next answer or hello).
   */
  router.post('/:workerId/revoke', requireAdmin(access.adminToken), async (req, res) => {
    const id = WorkerIdentityId.safeParse(req.params.workerId);
    if (!id.success) throw new HttpError(400, 'bad-worker-id', 'a worker id is 16-64 letters, digits, - or _');
    const view: RevokedView = { workerId: id.data, revoked: true, disconnected: await revoke(id.data) };
    res.json(view);
  });
  return router;
}
