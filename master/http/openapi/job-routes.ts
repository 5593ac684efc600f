// The job routes of the OpenAPI description (openapi.ts): submitting, listing, exporting, reading, changing jobs, and owner keys.
import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { JobDetailView, JobPage, JobView, SubmitResponse, UploadLimits } from '../../api-types.ts';
import { ExportQuery, IdempotencyKey, jobListQuery, type PageLimits } from '../queries.ts';
import { anyone, json, error, retryAfter, badCredentials, storeUnavailable, jobId, unknownJob, mayNotChange, noContent, badPath } from './responses.ts';

/** The job routes of a master whose pages are `pages`. */
export const jobRoutes = (pages: PageLimits): RouteConfig[] => [
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
        'Idempotency-Key': IdempotencyKey.optional(),
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
        'An image is larger than MAX_UPLOAD_BYTES, more than MAX_FILES_PER_UPLOAD were sent, the request is larger than MAX_UPLOAD_REQUEST_BYTES, or it carries more text fields, or a longer one, than the API takes; nothing was stored.',
        ['file-too-large', 'too-many-files', 'request-too-large', 'too-many-fields', 'field-too-large', 'too-many-parts'],
      ),
      401: error('The Authorization header names no one, or API_KEYS is set and no API key was sent; nothing was read.', [
        'bad-credentials',
        'api-key-required',
      ]),
      408: error('The upload arrived slower than MIN_BODY_BYTES_PER_SECOND, or not whole within REQUEST_TIMEOUT_MS; nothing was stored.', [
        'body-too-slow',
        'request-timeout',
      ]),
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
        'The queue is full (MAX_PENDING_JOBS), MAX_UPLOADS_IN_FLIGHT uploads or MAX_UPLOAD_BYTES_IN_FLIGHT bytes are being received, the store is unreachable, or the master cannot write to its own disk (full, read-only); nothing was stored.',
        ['queue-full', 'too-many-uploads', 'store-unavailable', 'storage-unavailable'],
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
    request: { query: jobListQuery(pages.maxJobsPage) },
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
      'CSV has one row per job with columns id, status, fileName, contentType, size, attempts, submittedAt, startedAt, finishedAt, worker, error, model, backend, inferenceMs, label1, probability1 … label5, probability5, verification (trusted, verified or unverified on a done job: result.verification.state; empty otherwise), index1 … index5 (the class index of each prediction: labels are not unique). JSON lines have one JobView per line.',
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
    responses: { 200: json(JobDetailView, 'The job.'), 400: badPath, 401: badCredentials, 404: unknownJob, 503: storeUnavailable },
  },
  {
    method: 'get',
    path: '/api/jobs/{id}/image',
    tags: ['jobs'],
    summary: 'The image as it was uploaded (on a private board: to its owner and the admin).',
    description:
      'Images are kept IMAGE_RETENTION_MS after their job ended (done or failed), then deleted; the job and its result stay until JOB_RETENTION_MS after it ended, and say when the image went (imageExpiredAt). A response the client takes nothing of for IMAGE_SEND_STALL_MS is cut off.',
    security: anyone,
    request: { params: jobId },
    responses: {
      200: {
        description: "The stored bytes, with their sniffed type, and an ETag naming the job (a job's image never changes).",
        content: { 'image/*': { schema: z.string().meta({ format: 'binary' }) } },
      },
      304: { description: 'The client has this image already: If-None-Match named its ETag.' },
      400: badPath,
      401: badCredentials,
      404: unknownJob,
      410: error('The job is kept but its image was deleted (IMAGE_RETENTION_MS after the job ended); its result is still there.', ['image-expired']),
      429: error(
        'This address is being sent MAX_IMAGE_BYTES_PER_ADDRESS image bytes at once already, or made API_REQUESTS_PER_WINDOW requests.',
        ['too-many-image-bytes-from-address', 'too-many-requests'],
        retryAfter,
      ),
      503: error(
        'The job store is unreachable just now, or the master is sending as many image bytes at once as it holds (MAX_IMAGE_BYTES_IN_FLIGHT).',
        ['store-unavailable', 'too-many-image-bytes'],
        retryAfter,
      ),
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
      400: badPath,
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
      400: badPath,
      ...mayNotChange,
      404: unknownJob,
      409: error(
        'The job is not failed, or its image was deleted (IMAGE_RETENTION_MS after it failed) or is gone (removed from the store by hand, lost to a damaged disk), so there is nothing to retry it on.',
        ['not-failed', 'image-expired', 'image-missing'],
      ),
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
      200: json(z.object({ owner: z.string(), uploadLimits: UploadLimits }), 'The requester already owns: its owner id.'),
      201: json(
        z.object({
          owner: z.string(),
          ownerKey: z.string().describe('Send as "Authorization: Bearer <ownerKey>"; shown this once.'),
          uploadLimits: UploadLimits,
        }),
        'A new owner.',
      ),
      401: error('The Authorization header names no one, or API_KEYS is set and no API key was sent.', ['bad-credentials', 'api-key-required']),
    },
  },
];
