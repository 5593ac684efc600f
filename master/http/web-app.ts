// Serves the built web app; every page path falls back to index.html (a single-page app). A build's file that is not
// there (/assets/…: a tab holding an older build's names) is a 404, not the app run as a script.
import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import type { Logger } from '../log.ts';
import { HttpError } from './errors.ts';

/** The paths answered with the app: all but the API, the model, the worker sockets and the build's own files. */
export const APP_PAGES = /^\/(?!api\/|models\/|ws\/|assets(\/|$)).*/;

export function webAppRouter(webDir: string, log: Logger): Router {
  const router = Router();
  const index = path.join(webDir, 'index.html');
  // The folder is the operator's to know, not a stranger's: logged (once until it is built), never answered.
  let missingLogged = false;
  router.use(express.static(webDir, { index: false, redirect: false, maxAge: '1h' }));
  router.get(APP_PAGES, (_req, res) => {
    if (!fs.existsSync(index)) {
      if (!missingLogged) log.warn({ webDir }, 'the web app is not built: run "npm run build" or set WEB_DIR');
      missingLogged = true;
      throw new HttpError(503, 'web-not-built', 'the web app is not built on this master; its operator can build it with "npm run build"');
    }
    missingLogged = false;
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}
