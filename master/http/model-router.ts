// The model for workers: its description at /api/model and its files under
// /models/<hash>/, cached for good because the hash changes with the content.
import path from 'node:path';
import { Router } from 'express';
import type { ModelFiles } from '../model/model-files.ts';
import { HttpError } from './errors.ts';

export function modelRouter(model: ModelFiles): Router {
  const router = Router();
  router.get('/api/model', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json(model.view);
  });
  router.get('/models/:hash/:file', (req, res) => {
    const { hash, file } = req.params;
    if (hash !== model.view.hash || !model.files.has(file)) {
      throw new HttpError(404, 'model-file-not-found', `this master serves model ${model.view.hash}; no file ${hash}/${file}`);
    }
    res.sendFile(path.resolve(model.dir, file), {
      headers: { 'Cache-Control': 'public, max-age=31536000, immutable' },
    });
  });
  return router;
}
