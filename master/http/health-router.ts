// Probes for load balancers and orchestrators: /livez (the process answers) and
// /readyz (it can do its work now). Both are cheap at any number of stored jobs:
// readiness asks the store one trivial question, never to count.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import type { ModelFiles } from '../model/model-files.ts';
import type { JobStore } from '../store/job-store.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import { HttpError } from './errors.ts';

export interface HealthDeps {
  store: JobStore;
  model: ModelFiles;
  /** true once the master has begun to stop: it finishes what it holds and should get no new traffic. */
  draining: () => boolean;
}

export function healthRouter({ store, model, draining }: HealthDeps): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'live' });
  });
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (draining()) throw notReady('draining', 'the master is shutting down and takes no new work');
    try {
      await store.ping();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      throw notReady('store-unreachable', 'the job store is unreachable just now');
    }
    try {
      await fs.access(path.join(model.dir, 'model.json'), fs.constants.R_OK);
    } catch {
      throw notReady('model-missing', `the model ${model.view.name} is no longer readable in ${model.dir}; workers cannot load it`);
    }
    res.json({ status: 'ready' });
  });
  return router;
}

const notReady = (code: string, message: string) => new HttpError(503, code, message, { 'Retry-After': '2' });
