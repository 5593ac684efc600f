// GET /api/stats (JSON for the stats page) and GET /metrics (Prometheus text for scrapers).
import { Router } from 'express';
import type { MasterStats } from '../stats/master-stats.ts';

export function statsRouter(stats: MasterStats): Router {
  const router = Router();
  router.get('/api/stats', async (_req, res) => {
    res.json(await stats.collector.view());
  });
  router.get('/metrics', async (_req, res) => {
    const { registry } = stats.prometheus;
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  return router;
}
