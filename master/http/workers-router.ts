// /api/workers: the workers connected to this master.
import { Router } from 'express';
import type { WorkerRegistry } from '../hub/worker-registry.ts';

export function workersRouter(workers: WorkerRegistry): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ workers: workers.views() });
  });
  return router;
}
