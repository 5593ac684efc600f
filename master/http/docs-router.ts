// /api/openapi.json and /api/docs: the API description, and Swagger UI to browse it,
// served from node_modules by the master itself (same origin, no foreign requests).
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';
import type { ApiDocument } from './openapi.ts';

const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>browser-grid API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
`;

// A script file rather than inline, so a strict Content-Security-Policy allows it. No validator badge: it would call out.
const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });\n`;

/** `document`: the master's own description (openapi.ts), stating its page sizes. */
export function docsRouter(document: ApiDocument): Router {
  const router = Router();
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/api/docs/init.js', (_req, res) => {
    res.type('js').send(INIT);
  });
  for (const file of ['swagger-ui.css', 'swagger-ui-bundle.js']) {
    router.get(`/api/docs/${file}`, (_req, res) => {
      res.sendFile(path.join(swaggerUiDir, file), { headers: { 'Cache-Control': 'public, max-age=86400' } });
    });
  }
  return router;
}
