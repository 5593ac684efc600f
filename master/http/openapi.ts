// The OpenAPI 3.1 description of the REST API, generated from the zod schemas the
// routes validate with and the answers are typed with (api-types.ts, stats-api-types.ts,
// queries.ts), so the description cannot drift from the code; master/test/openapi.test.ts
// checks every route's real answers against it. The routes are described in
// openapi/, one file per part of the API. Each master serves its own, stating the page sizes it takes.
import fs from 'node:fs';
import path from 'node:path';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { projectRoot } from '../project-root.ts';
import { jobRoutes } from './openapi/job-routes.ts';
import { serviceRoutes } from './openapi/service-routes.ts';
import { workerRoutes } from './openapi/worker-routes.ts';
import type { PageLimits } from './queries.ts';
import { OWNER_COOKIE } from './requester.ts';

const packageJson = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string; description: string };

export type ApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/**
 * The description of a master whose pages are `pages` (its MAX_JOBS_PAGE, MAX_WORKERS_PAGE and MAX_LEADERBOARD_PAGE):
 * built once per master (app.ts), for /api/openapi.json and the 405 and OPTIONS answers.
 */
export function apiDocument(pages: PageLimits): ApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The ADMIN_TOKEN the master was started with: changes any job, sees every job.',
  });
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      'Who is asking: the ADMIN_TOKEN, one of the API_KEYS (its name owns the jobs submitted with it), or an owner key the master issued (POST /api/owner, or the `ownerKey` of a first submission). A token that is none of these answers 401 `bad-credentials`.',
  });
  registry.registerComponent('securitySchemes', 'ownerCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: OWNER_COOKIE,
    description:
      "A browser's owner key, set HttpOnly and SameSite=Strict with its first submission (EventSource and <img> send no headers); read only when there is no Authorization header.",
  });
  for (const route of [...jobRoutes(pages), ...workerRoutes(pages), ...serviceRoutes]) registry.registerPath(route);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'browser-grid master',
      version: packageJson.version,
      description: `${packageJson.description}. Every error is an HTTP status and {"error": {"code", "message"}}; an unknown /api path answers 404 \`not-found\`, a known path asked with a method it does not take 405 \`method-not-allowed\` with an \`Allow\` header, an unexpected failure 500 \`internal\`.`,
    },
    servers: [{ url: '/' }],
  });
}
