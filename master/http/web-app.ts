// Serves the built web app; every page path falls back to index.html (a single-page app).
import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import { HttpError } from './errors.ts';

export function webAppRouter(webDir: string): Router {
  const router = Router();
  const index = path.join(webDir, 'index.html');
  router.use(express.static(webDir, { index: false, maxAge: '1h' }));
  router.get(/^\/(?!api\/|models\/|ws\/).*/, (_req, res) => {
    if (!fs.existsSync(index)) {
      throw new HttpError(503, 'web-not-built', `the web app is not built in ${webDir}: run "npm run build"`);
    }
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}
