// Probes for load balancers and orchestrators: /livez (the process answers) and
// /readyz (it can do its work now). Both are cheap at any number of stored jobs:
// readiness asks the store one trivial question, never to count, and the file
// system how much room the data directory has left.
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
  /** Where uploads are written as they arrive (DATA_DIR, on either store), and the room one largest upload request needs. */
  disk: { dir: string; minFreeBytes: number; freeBytes?: (dir: string) => Promise<number> };
}

/** Bytes an unprivileged process may still write on the file system holding `dir`. */
async function statfsFreeBytes(dir: string): Promise<number> {
  const { bavail, bsize } = await fs.statfs(dir);
  return bavail * bsize;
}

export function healthRouter({ store, model, draining, disk }: HealthDeps): Router {
  const freeBytes = disk.freeBytes ?? statfsFreeBytes;
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
    // A master whose disk cannot take one more upload would answer every upload 503 storage-unavailable: send them elsewhere.
    let free: number;
    try {
      free = await freeBytes(disk.dir);
    } catch (error) {
      throw notReady('storage-unavailable', `the free space of ${disk.dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (free < disk.minFreeBytes) {
      throw notReady(
        'storage-full',
        `${disk.dir} has ${free} bytes free, less than the largest upload request needs (MAX_UPLOAD_REQUEST_BYTES, ${disk.minFreeBytes})`,
      );
    }
    res.json({ status: 'ready' });
  });
  return router;
}

const notReady = (code: string, message: string) => new HttpError(503, code, message, { 'Retry-After': '2' });
