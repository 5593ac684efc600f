// GET /api/stats (JSON for the stats page) and GET /metrics (Prometheus text for scrapers); on a private board
// the admin's only, since they count spot checks (check-counters.ts).
import { Router, type RequestHandler } from 'express';
import type { MasterStats } from '../stats/master-stats.ts';

export function statsRouter(stats: MasterStats, guard: RequestHandler): Router {
  const router = Router();
  router.use(['/api/stats', '/metrics'], guard);
  router.get('/api/stats', async (_req, res) => {
    res.json(await stats.collector.view());
  });
  router.get('/metrics', async (_req, res) => {
    const { registry } = stats.prometheus;
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  return router;
}
