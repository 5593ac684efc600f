// The worker and volunteer routes of the OpenAPI description (openapi.ts): the workers list, revoking an identity, the volunteers' standings.
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { OwnStandingView, RevokedView, VolunteersView, WorkerPage } from '../../api-types.ts';
import { WorkerIdentity } from '../../protocol.ts';
import { workerListQuery, type PageLimits } from '../queries.ts';
import { anyone, badCredentials, json, error } from './responses.ts';

/** The worker and volunteer routes of a master whose pages are `pages`. */
export const workerRoutes = (pages: PageLimits): RouteConfig[] => [
  {
    method: 'get',
    path: '/api/workers',
    tags: ['workers'],
    summary: 'One page of the workers connected to this master, in the order they connected; nextCursor leads to the next.',
    description:
      "Pages hold at most MAX_WORKERS_PAGE workers; total counts them all. On a private board each worker's credibility and spotChecksPassed are null to all but the admin: they move right after a spot check is judged, so a volunteer reading them after every frame could tell which frames were checks.",
    security: anyone,
    request: { query: workerListQuery(pages.maxWorkersPage) },
    responses: {
      200: json(WorkerPage, 'The page.'),
      400: error('A query parameter is not valid.', ['bad-limit', 'bad-cursor']),
      401: badCredentials,
    },
  },
  {
    method: 'post',
    path: '/api/workers/{workerId}/revoke',
    tags: ['workers'],
    summary:
      'Revoke a worker identity, blacklisting it: its token is refused from now on by every master sharing the store, its votes count for nothing, every job verified on its word is verified again, and its sockets close (code 4004) on every master that hears of it over the shared store.',
    security: [{ adminToken: [] }],
    request: { params: z.object({ workerId: WorkerIdentity.shape.workerId }) },
    responses: {
      200: json(RevokedView, 'Revoked.'),
      400: error('Not a worker id, or a path with a broken percent-encoding.', ['bad-worker-id', 'bad-path']),
      401: error('The admin token is missing or wrong.', ['admin-token-required']),
      403: error('The master has no ADMIN_TOKEN, so revoking is off.', ['admin-disabled']),
    },
  },
  {
    method: 'get',
    path: '/api/volunteers',
    tags: ['volunteers'],
    summary: 'One page of the volunteer leaderboard (most images first) and the totals of everyone, by browser and backend.',
    request: {
      query: z.object({
        offset: z.coerce.number().int().min(0).default(0).meta({ description: 'Standings to skip.' }),
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(pages.maxLeaderboardPage)
          .optional()
          .meta({ description: 'Standings per page, 1 to MAX_LEADERBOARD_PAGE (default 20, or less if that is lower).' }),
      }),
    },
    responses: { 200: json(VolunteersView, 'The page and the totals.'), 400: error('A query parameter is not valid.', ['bad-offset', 'bad-limit']) },
  },
  {
    method: 'get',
    path: '/api/volunteers/me',
    tags: ['volunteers'],
    summary: "The asking volunteer's standing; its identity travels in headers so the token stays out of URLs and logs.",
    request: {
      headers: z.object({
        'X-Worker-Id': WorkerIdentity.shape.workerId.meta({ description: 'The worker id the master issued to the page (kept in its localStorage).' }),
        'X-Worker-Token': WorkerIdentity.shape.token.meta({ description: 'The token issued with it.' }),
      }),
    },
    responses: {
      200: json(OwnStandingView, 'The standing, null before the first accepted image.'),
      400: error('The headers are missing or malformed.', ['bad-worker-identity']),
      403: error('The token does not verify, or the identity was revoked.', ['unknown-worker-identity']),
    },
  },
];
