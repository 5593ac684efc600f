// The OpenAPI description's routes for watching and running the master (openapi.ts): events, statistics, metrics, the model, health, the description itself.
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { HealthView, ModelView, StreamEvent, VerificationPolicyView } from '../../api-types.ts';
import { StatsView } from '../../stats-api-types.ts';
import { anyone, json, error, retryAfter, badCredentials, storeUnavailable, badPath } from './responses.ts';

const statsAccess =
  'Anyone may read it on a public board (BOARD=public); on a private board only the admin, since its counts (of spot checks given, images sent, jobs leased) move differently for a spot check than for a job, so a volunteer reading them after every frame could tell which of its frames were spot checks.';
const statsSecurity: RouteConfig['security'] = [{ adminToken: [] }, {}];
const adminOnPrivateBoard = {
  401: error('A private board, and the admin token is missing or wrong.', ['admin-token-required']),
  403: error('A private board, and the master has no ADMIN_TOKEN: nobody may read it.', ['admin-disabled']),
};

export const serviceRoutes: RouteConfig[] = [
  {
    method: 'get',
    path: '/api/events',
    tags: ['live'],
    summary: 'Live job and worker changes as Server-Sent Events.',
    description:
      "On a private board a stream carries only the job events of the requester's own jobs (every job's for the admin; a browser's owner key rides in its cookie). Each event is `id: <id>`, `event: <type>` and `data: <StreamEvent as JSON>`, with type one of `job` (a job changed: the transition that changed it and the JobView as it is now), `job-deleted` (the transition, cancelled, cleared or purged (JOB_RETENTION_MS after the job ended), and its id), `workers-changed` (workers of this master that connected or changed, ids of those that left, coalesced, and how many are connected to this master now; worker changes are not relayed between masters; GET /api/workers lists them all, a page at a time; on a private board their credibility and spotChecksPassed are null but to the admin), `resync` and `keepalive` (sent every EVENT_KEEPALIVE_MS, with no `id:`, and saying that interval; an event rather than a comment, so that a browser page sees it and can take a stream silent for a few intervals for a lost connection). A stream opens with `retry:` (a random wait between EVENT_RECONNECT_MS and twice it) and `id:` of where it starts, so even a client that has heard no event yet reconnects with `Last-Event-ID`, then with a `workers-changed` that names no worker and gives the count (it has no `id:`), then a `keepalive`. A client that reconnects with `Last-Event-ID` first gets the events it missed, or `resync` (reload what you show) when the master no longer keeps them. A client that does not read is skipped while its socket is full and dropped after EVENT_STREAM_STALL_MS; it reconnects and catches up.",
    security: anyone,
    request: { headers: z.object({ 'Last-Event-ID': z.string().optional().meta({ description: 'The id of the last event received, to resume after it.' }) }) },
    responses: {
      200: { description: 'An endless event stream.', content: { 'text/event-stream': { schema: StreamEvent } } },
      401: badCredentials,
      429: error(
        'As many event streams are open from this client address (an IPv6 one: its /64) as one may hold (MAX_EVENT_STREAMS_PER_ADDRESS).',
        ['too-many-event-streams-from-address'],
        retryAfter,
      ),
      503: error('As many event streams are open as the master serves (MAX_EVENT_STREAMS).', ['too-many-event-streams'], retryAfter),
    },
  },
  {
    method: 'get',
    path: '/api/stats',
    tags: ['statistics'],
    summary: "This master's live statistics: throughput and queue depth over 10 minutes, latency by stage, workers, dispatch counters.",
    description: statsAccess,
    security: statsSecurity,
    responses: { 200: json(StatsView, 'The statistics.'), ...adminOnPrivateBoard },
  },
  {
    method: 'get',
    path: '/metrics',
    tags: ['statistics'],
    summary: 'The same for Prometheus, in its text format; latency histograms in seconds, store and event-stream health.',
    description: statsAccess,
    security: statsSecurity,
    responses: { 200: { description: 'Prometheus text format 0.0.4.', content: { 'text/plain': { schema: z.string() } } }, ...adminOnPrivateBoard },
  },
  {
    method: 'get',
    path: '/api/model',
    tags: ['model'],
    summary: 'The model workers must run: name, content hash, URL, input range and size.',
    responses: { 200: json(ModelView, 'The model.') },
  },
  {
    method: 'get',
    path: '/api/verification',
    tags: ['workers'],
    summary: "What a volunteer's answer can do on this master: whether it deals spot checks, and so whether volunteers' answers can verify a job.",
    responses: { 200: json(VerificationPolicyView, 'The verification policy.') },
  },
  {
    method: 'get',
    path: '/models/{hash}/{file}',
    tags: ['model'],
    summary: 'A model file, cached for good: the hash changes with the content.',
    request: { params: z.object({ hash: z.string(), file: z.string() }) },
    responses: {
      200: {
        description: 'model.json, or a weight shard.',
        content: {
          'application/json': {
            schema: z
              .object({ format: z.literal('graph-model') })
              .loose()
              .meta({ description: 'The TF.js graph model description.' }),
          },
          'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) },
        },
      },
      400: badPath,
      404: error('This master serves no such file (or another model).', ['model-file-not-found']),
      412: error('A precondition of the request (If-Match, If-Unmodified-Since) does not hold for the file.', ['precondition-failed']),
      416: error('The Range asked for lies outside the file; Content-Range says its length.', ['range-not-satisfiable']),
    },
  },
  {
    method: 'get',
    path: '/api/health',
    tags: ['health'],
    summary: 'Job counts and connected workers, for people; probes want /livez and /readyz.',
    description: statsAccess,
    security: statsSecurity,
    responses: { 200: json(HealthView, 'The summary.'), ...adminOnPrivateBoard, 503: storeUnavailable },
  },
  {
    method: 'get',
    path: '/livez',
    tags: ['health'],
    summary: 'Liveness: the process answers. Always 200 while it runs, whatever the store does.',
    responses: { 200: json(z.object({ status: z.literal('live') }), 'Alive.') },
  },
  {
    method: 'get',
    path: '/readyz',
    tags: ['health'],
    summary:
      'Readiness: the store answers a ping, the model files are readable, DATA_DIR has room for one largest upload request (MAX_UPLOAD_REQUEST_BYTES), the master is not stopping. Never counts jobs.',
    responses: {
      200: json(z.object({ status: z.literal('ready') }), 'Ready for traffic.'),
      503: error('Not ready, and why.', ['store-unreachable', 'model-missing', 'storage-full', 'storage-unavailable', 'draining'], retryAfter),
    },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    tags: ['docs'],
    summary: 'This description.',
    responses: { 200: { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: z.object({ openapi: z.string() }).loose() } } } },
  },
  {
    method: 'get',
    path: '/api/docs',
    tags: ['docs'],
    summary: 'This description to browse (Swagger UI, served by the master itself).',
    responses: { 200: { description: 'An HTML page.', content: { 'text/html': { schema: z.string() } } } },
  },
];
