// /api/workers: the workers connected to this master; revoking a worker identity (admin).
import { Router } from 'express';
import type { RevokedView } from '../api-types.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { WorkerIdentities } from '../identity/worker-identities.ts';
import { CloseCode, WorkerIdentityId } from '../protocol.ts';
import { requireAdmin } from './admin.ts';
import { HttpError } from './errors.ts';

export function workersRouter(workers: WorkerRegistry, identities: WorkerIdentities, adminToken: string | undefined): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ workers: workers.views() });
  });
  /** Its token is refused from now on, on every master sharing the store; its sockets here close (elsewhere, at their next hello). */
  router.post('/:workerId/revoke', requireAdmin(adminToken), async (req, res) => {
    const id = WorkerIdentityId.safeParse(req.params.workerId);
    if (!id.success) throw new HttpError(400, 'bad-worker-id', 'a worker id is 16-64 letters, digits, - or _');
    await identities.revoke(id.data);
    const closed = workers.all.filter((session) => session.identity.workerId === id.data);
    for (const session of closed) session.close(CloseCode.identityRevoked, 'worker identity revoked');
    const view: RevokedView = { workerId: id.data, revoked: true, disconnected: closed.length };
    res.json(view);
  });
  return router;
}
