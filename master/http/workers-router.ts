// /api/workers: the workers connected to this master.
import { Router } from 'express';
import type { Dispatcher } from '../dispatch/dispatcher.ts';

export function workersRouter(dispatcher: Dispatcher): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({ workers: dispatcher.workers.map((session) => session.view()) });
  });
  return router;
}
