// The OpenAPI 3.1 description of the REST API, generated from the zod schemas the
// routes validate with and the answers are typed with (api-types.ts, queries.ts),
// so the description cannot drift from the code; master/test/openapi.test.ts
// checks every route's real answers against it.
import fs from 'node:fs';
import path from 'node:path';
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  HealthView,
  JobDetailView,
  JobPage,
  JobView,
  ModelView,
  OwnStandingView,
  RevokedView,
  StatsView,
  StreamEvent,
  SubmitResponse,
  VolunteersView,
  WorkerList,
} from '../api-types.ts';
import { projectRoot } from '../project-root.ts';
import { WorkerIdentity } from '../protocol.ts';
import { ExportQuery, JobListQuery } from './queries.ts';
import { OWNER_COOKIE } from './requester.ts';

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

/** Any credential (or none: some answers then differ, as each route says). */
const anyone: RouteConfig['security'] = [{ bearer: [] }, { ownerCookie: [] }, {}];

const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });

/** An error answer: {error: {code, message}} with `code` one of those listed, so a new code must be described here. */
const error = (description: string, codes: [string, ...string[]], headers?: ResponseConfig['headers']): ResponseConfig => ({
  description: `${description} Codes: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
  headers,
  content: { 'application/json': { schema: z.object({ error: z.object({ code: z.enum(codes), message: z.string() }) }) } },
});

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' as const } } };
const badCredentials = error('The Authorization header holds no admin token, API key or owner key of this master.', ['bad-credentials']);
const storeUnavailable = error('The job store is unreachable just now; nothing was stored.', ['store-unavailable'], retryAfter);
const jobId = z.object({ id: z.string().meta({ description: 'A job id, as POST /api/jobs answered it.' }) });
const unknownJob = error('No job with this id (on a private board: none the requester may see).', ['job-not-found']);
const mayNotChange = {
  401: error('No credentials were sent (or the Authorization header names no one); changing a job needs its owner key or the admin token.', [
    'credentials-required',
    'bad-credentials',
  ]),
  403: error('The job belongs to someone else (jobs stored before owners existed belong to no one: only the admin may change them).', ['not-your-job']),
};
const noContent: ResponseConfig = { description: 'Done; no body.' };

const routes: RouteConfig[] = [
  {
    method: 'post',
    path: '/api/jobs',
    tags: ['jobs'],
    summary: 'Submit one or many images; each becomes a queued job, owned by the submitter.',
    description:
      'Without credentials (and with no API_KEYS set), the master issues a new owner key: it is in the answer (`ownerKey`) and, for browsers, in an HttpOnly cookie; send it afterwards to delete or retry these jobs and, on a private board, to see them. With API_KEYS set, submitting needs an API key or the admin token.',
    security: anyone,
    request: {
      headers: z.object({
        'Idempotency-Key': z.string().min(1).max(200).optional().meta({
          description:
            "The submitter's own (another owner's same key is another key), remembered IDEMPOTENCY_TTL_MS: a retry with it creates nothing new and answers the jobs the first request created.",
        }),
        'Private-Job': z.enum(['true', 'false']).optional().meta({
          description: "true: the images go only to the operator's trusted workers (the fleet), never to a volunteer's page; they wait for one.",
        }),
      }),
      body: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: z.object({
              image: z.array(z.string().meta({ format: 'binary' })).meta({
                description:
                  'Image files, judged by their bytes: JPEG, PNG, GIF, WebP or AVIF that decodes, within MAX_IMAGE_WIDTH, MAX_IMAGE_HEIGHT and MAX_IMAGE_PIXELS.',
              }),
              private: z.enum(['true', 'false']).optional().meta({ description: 'As the Private-Job header.' }),
            }),
          },
        },
      },
    },
    responses: {
      201: {
        ...json(SubmitResponse, 'The jobs, in upload order, and the new owner key when one was issued.'),
        headers: {
          'Idempotent-Replayed': { description: 'true when the Idempotency-Key was seen before.', schema: { type: 'string', enum: ['true', 'false'] } },
        },
      },
      400: error('The upload is not usable; nothing was stored.', [
        'no-file',
        'unexpected-field',
        'bad-private-flag',
        'bad-idempotency-key',
        'upload-aborted',
        'bad-upload',
        'bad-request',
        'malformed-multipart',
        'bad-file-name',
      ]),
      413: error(
        'An image is larger than MAX_UPLOAD_BYTES, more than MAX_FILES_PER_UPLOAD were sent, or the request is larger than MAX_UPLOAD_REQUEST_BYTES.',
        ['file-too-large', 'too-many-files', 'request-too-large'],
      ),
      401: error('The Authorization header names no one, or API_KEYS is set and no API key was sent; nothing was read.', [
        'bad-credentials',
        'api-key-required',
      ]),
      408: error('The upload arrived slower than MIN_BODY_BYTES_PER_SECOND; nothing was stored.', ['body-too-slow']),
      411: error('The upload did not say its size in Content-Length.', ['length-required']),
      415: error('A file is not an image this service can read; nothing was stored.', ['not-an-image']),
      422: error(
        'An image does not decode, or its dimensions pass MAX_IMAGE_WIDTH, MAX_IMAGE_HEIGHT or MAX_IMAGE_PIXELS, or the Idempotency-Key was first used with other images; nothing was stored.',
        ['undecodable-image', 'image-too-large', 'idempotency-key-reused'],
      ),
      429: error(
        'This address has MAX_UPLOADS_PER_ADDRESS uploads in flight, or made API_REQUESTS_PER_WINDOW requests; nothing was stored.',
        ['too-many-uploads-from-address', 'too-many-requests'],
        retryAfter,
      ),
      503: error(
        'The queue is full (MAX_PENDING_JOBS), MAX_UPLOADS_IN_FLIGHT uploads or MAX_UPLOAD_BYTES_IN_FLIGHT bytes are being received, or the store is unreachable; nothing was stored.',
        ['queue-full', 'too-many-uploads', 'store-unavailable'],
        retryAfter,
      ),
    },
  },
  {
    method: 'get',
    path: '/api/jobs',
    tags: ['jobs'],
    summary:
      "A page of jobs, newest first: every job on a public board; on a private one the requester's own (every job for the admin, none without credentials).",
    security: anyone,
    request: { query: JobListQuery },
    responses: {
      200: json(JobPage, 'The page.'),
      401: badCredentials,
      400: error('A query parameter is not valid.', ['bad-status', 'bad-limit', 'bad-cursor']),
      503: storeUnavailable,
    },
  },
  {
    method: 'delete',
    path: '/api/jobs',
    tags: ['jobs'],
    summary: 'Delete every job; workers holding one are told to drop it.',
    security: [{ adminToken: [] }],
    responses: {
      200: json(z.object({ deleted: z.number().int() }), 'How many jobs were deleted.'),
      401: error('The admin token is missing or wrong.', ['admin-token-required']),
      403: error('The master has no ADMIN_TOKEN, so bulk deletion is off.', ['admin-disabled']),
      503: storeUnavailable,
    },
  },
  {
    method: 'get',
    path: '/api/jobs/export',
    tags: ['jobs'],
    summary: 'Every matching job the requester may see (as GET /api/jobs), newest first, streamed (no page limit).',
    security: anyone,
    description:
      'CSV has one row per job with columns id, status, fileName, contentType, size, attempts, submittedAt, startedAt, finishedAt, worker, error, model, backend, inferenceMs, label1, probability1 … label5, probability5. JSON lines have one JobView per line.',
    request: { query: ExportQuery },
    responses: {
      200: {
        description: 'The jobs, as an attachment.',
        content: {
          'text/csv': { schema: z.string() },
          'application/jsonl': { schema: z.string().meta({ description: `One JobView as JSON per line.` }) },
        },
      },
      400: error('A query parameter is not valid.', ['bad-status', 'bad-since', 'bad-format']),
      401: badCredentials,
      503: storeUnavailable,
    },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}',
    tags: ['jobs'],
    summary: 'A job, its result and the timeline of its attempts (on a private board: to its owner and the admin).',
    security: anyone,
    request: { params: jobId },
    responses: { 200: json(JobDetailView, 'The job.'), 401: badCredentials, 404: unknownJob, 503: storeUnavailable },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/image',
    tags: ['jobs'],
    summary: 'The image as it was uploaded (on a private board: to its owner and the admin).',
    description:
      'Images are kept IMAGE_RETENTION_MS after their job ended (done or failed), then deleted; the job and its result stay until JOB_RETENTION_MS after it ended, and say when the image went (imageExpiredAt).',
    security: anyone,
    request: { params: jobId },
    responses: {
      200: { description: 'The stored bytes, with their sniffed type.', content: { 'image/*': { schema: z.string().meta({ format: 'binary' }) } } },
      401: badCredentials,
      404: unknownJob,
      410: error('The job is kept but its image was deleted (IMAGE_RETENTION_MS after the job ended); its result is still there.', ['image-expired']),
      503: storeUnavailable,
    },
  },
  {
    method: 'delete',
    path: '/api/jobs/{id}',
    tags: ['jobs'],
    summary: "Delete a job; a worker holding it is told to drop it. Needs the job's owner key (or API key) or the admin token.",
    security: [{ bearer: [] }, { ownerCookie: [] }],
    request: { params: jobId },
    responses: {
      204: noContent,
      ...mayNotChange,
      404: unknownJob,
      503: storeUnavailable,
    },
  },
  {
    method: 'post',
    path: '/api/jobs/{id}/retry',
    tags: ['jobs'],
    summary: "Put a failed job back in the queue with a fresh attempt budget. Needs the job's owner key (or API key) or the admin token.",
    security: [{ bearer: [] }, { ownerCookie: [] }],
    request: { params: jobId },
    responses: {
      200: json(JobView, 'The job, queued again.'),
      ...mayNotChange,
      404: unknownJob,
      409: error('The job is not failed, or its image was deleted (IMAGE_RETENTION_MS after it failed), so there is nothing to retry it on.', [
        'not-failed',
        'image-expired',
      ]),
      503: storeUnavailable,
    },
  },
  {
    method: 'post',
    path: '/api/owner',
    tags: ['jobs'],
    summary: 'Who owns what this client submits; a new owner key (answer and cookie) when it sent none.',
    description:
      'A client that sends several uploads at once asks here first, so they all get one owner and its Idempotency-Keys stay its own across retries. The key is shown only when issued.',
    security: anyone,
    responses: {
      200: json(z.object({ owner: z.string() }), 'The requester already owns: its owner id.'),
      201: json(z.object({ owner: z.string(), ownerKey: z.string().describe('Send as "Authorization: Bearer <ownerKey>"; shown this once.') }), 'A new owner.'),
      401: error('The Authorization header names no one, or API_KEYS is set and no API key was sent.', ['bad-credentials', 'api-key-required']),
    },
  },
  {
    method: 'get',
    path: '/api/workers',
    tags: ['workers'],
    summary: 'The workers connected to this master.',
    responses: { 200: json(WorkerList, 'The workers.') },
  },
  {
    method: 'post',
    path: '/api/workers/{workerId}/revoke',
    tags: ['workers'],
    summary: 'Revoke a worker identity: its token is refused from now on by every master sharing the store, and its sockets here close (code 4004).',
    security: [{ adminToken: [] }],
    request: { params: z.object({ workerId: WorkerIdentity.shape.workerId }) },
    responses: {
      200: json(RevokedView, 'Revoked.'),
      400: error('Not a worker id.', ['bad-worker-id']),
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
  {
    method: 'get',
    path: '/api/events',
    tags: ['live'],
    summary: 'Live job and worker changes as Server-Sent Events.',
    description:
      "On a private board a stream carries only the job events of the requester's own jobs (every job's for the admin; a browser's owner key rides in its cookie). Each event is `id: <id>`, `event: <type>` and `data: <StreamEvent as JSON>`, with type one of `job` (a job changed: the transition that changed it and the JobView as it is now), `job-deleted` (the transition, cancelled, cleared or purged (JOB_RETENTION_MS after the job ended), and its id), `workers-changed` (workers of this master that connected or changed, and ids of those that left, coalesced; GET /api/workers gives the whole list) and `resync`. A client that reconnects with `Last-Event-ID` first gets the events it missed, or `resync` (reload what you show) when the master no longer keeps them. A client that does not read is skipped while its socket is full and dropped after EVENT_STREAM_STALL_MS; it reconnects and catches up. Comment lines keep idle streams open.",
    security: anyone,
    request: { headers: z.object({ 'Last-Event-ID': z.string().optional().meta({ description: 'The id of the last event received, to resume after it.' }) }) },
    responses: {
      200: { description: 'An endless event stream.', content: { 'text/event-stream': { schema: StreamEvent } } },
      401: badCredentials,
      503: error('As many event streams are open as the master serves (MAX_EVENT_STREAMS).', ['too-many-event-streams']),
    },
  },
  {
    method: 'get',
    path: '/api/stats',
    tags: ['statistics'],
    summary: "This master's live statistics: throughput and queue depth over 10 minutes, latency by stage, workers, dispatch counters.",
    responses: { 200: json(StatsView, 'The statistics.') },
  },
  {
    method: 'get',
    path: '/metrics',
    tags: ['statistics'],
    summary: 'The same for Prometheus, in its text format; latency histograms in seconds, store and event-stream health.',
    responses: { 200: { description: 'Prometheus text format 0.0.4.', content: { 'text/plain': { schema: z.string() } } } },
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
      404: error('This master serves no such file (or another model).', ['model-file-not-found']),
    },
  },
  {
    method: 'get',
    path: '/api/health',
    tags: ['health'],
    summary: 'Job counts and connected workers, for people; probes want /livez and /readyz.',
    responses: { 200: json(HealthView, 'The summary.'), 503: storeUnavailable },
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
    summary: 'Readiness: the store answers a ping, the model files are readable, the master is not stopping. Never counts jobs.',
    responses: {
      200: json(z.object({ status: z.literal('ready') }), 'Ready for traffic.'),
      503: error('Not ready, and why.', ['store-unreachable', 'model-missing', 'draining'], retryAfter),
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
for (const route of routes) registry.registerPath(route);

const packageJson = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string; description: string };

/** The document, built once. */
export const openApiDocument = new OpenApiGeneratorV31(registry.definitions).generateDocument({
  openapi: '3.1.0',
  info: {
    title: 'browser-grid master',
    version: packageJson.version,
    description: `${packageJson.description}. Every error is an HTTP status and {"error": {"code", "message"}}; an unknown /api path answers 404 \`not-found\`, a known path asked with a method it does not take 405 \`method-not-allowed\` with an \`Allow\` header, an unexpected failure 500 \`internal\`.`,
  },
  servers: [{ url: '/' }],
});
