// Query strings and request headers of the REST API as zod schemas: the routes validate with them and
// the OpenAPI description (openapi.ts) is generated from them.
import type { Request } from 'express';
import { z } from 'zod';
import { JOB_STATUSES, JobStatus } from '../api-types.ts';
import { DEFAULT_MAX_JOBS_PAGE, DEFAULT_MAX_WORKERS_PAGE, type Config } from '../config.ts';
import { HttpError } from './errors.ts';

/** The page sizes a master takes, as its settings say: the routes refuse larger pages, and its API description states them. */
export type PageLimits = Pick<Config, 'maxJobsPage' | 'maxWorkersPage' | 'maxLeaderboardPage'>;

/** Jobs, and workers, per page of GET /api/jobs and GET /api/workers when the request names no limit. */
const DEFAULT_PAGE = 50;

const status = z
  .enum(JobStatus.options, { error: `status must be one of ${JOB_STATUSES.join(', ')}` })
  .optional()
  .meta({ description: 'Only jobs of this status.' });

/** `limit`: 1 to `maxPage` (the config option `option`, `defaultMax` unless set), DEFAULT_PAGE when not given. */
function pageLimit(maxPage: number, things: string, option: string, defaultMax: number) {
  const message = `limit must be a whole number from 1 to ${maxPage}`;
  // A number here, not coerced: parseQuery reads it from plain digits, and Number() would take "0x10" or "1e2" too.
  return z
    .number({ error: message })
    .int({ error: message })
    .min(1, { error: message })
    .max(maxPage, { error: `${message} (${option})` })
    .default(Math.min(DEFAULT_PAGE, maxPage))
    .meta({ description: `${things} per page, 1 to ${option} (${defaultMax} unless set); ${DEFAULT_PAGE} when not given.` });
}

/** GET /api/jobs's query, with pages of at most `maxPage` jobs (MAX_JOBS_PAGE). */
export const jobListQuery = (maxPage: number) =>
  z.object({
    status,
    limit: pageLimit(maxPage, 'Jobs', 'MAX_JOBS_PAGE', DEFAULT_MAX_JOBS_PAGE),
    // A job's number, as nextCursor writes it: no leading zero, at most 16 digits (Redis compares it as 16-digit text).
    cursor: z
      .string()
      .regex(/^(0|[1-9]\d{0,15})$/)
      .optional()
      .meta({ description: 'The nextCursor of the previous page.' }),
  });

/** GET /api/workers's query, with pages of at most `maxPage` workers (MAX_WORKERS_PAGE). */
export const workerListQuery = (maxPage: number) =>
  z.object({
    limit: pageLimit(maxPage, 'Workers', 'MAX_WORKERS_PAGE', DEFAULT_MAX_WORKERS_PAGE),
    cursor: z
      .string()
      .regex(/^\d{1,15}$/)
      .optional()
      .meta({ description: 'The nextCursor of the previous page.' }),
  });

export const ExportFormat = z.enum(['csv', 'jsonl']);
export type ExportFormat = z.infer<typeof ExportFormat>;

export const ExportQuery = z.object({
  status,
  since: z.iso
    .datetime({ offset: true, error: 'since must be a date and time like 2026-01-31T12:00:00Z' })
    .optional()
    .meta({ description: 'Only jobs submitted at or after this time (ISO 8601).' }),
  format: ExportFormat.default('csv').meta({ description: 'csv (one row per job, top-5 predictions in columns) or jsonl (one job per line).' }),
});

/** Long enough for any UUID or digest a client makes a key of; each key is stored, so it is bounded. */
const MAX_IDEMPOTENCY_KEY_CHARS = 200;

/** POST /api/jobs's Idempotency-Key header. */
export const IdempotencyKey = z.string().min(1).max(MAX_IDEMPOTENCY_KEY_CHARS).meta({
  description:
    "The submitter's own (another owner's same key is another key), remembered IDEMPOTENCY_TTL_MS: a retry with it creates nothing new and answers the jobs the first request created.",
});

/** The Idempotency-Key of a request, if it sent one; one out of bounds answers 400 bad-idempotency-key. */
export function idempotencyKey(req: Request): string | undefined {
  const key = req.get('Idempotency-Key');
  if (key === undefined || IdempotencyKey.safeParse(key).success) return key;
  throw new HttpError(400, 'bad-idempotency-key', `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} characters`);
}

/** Plain-words messages for the fields whose schema gives none. */
const HINTS: Record<string, string> = {
  cursor: 'cursor must be the nextCursor of a previous page',
  format: 'format must be csv or jsonl',
};

/** The query's fields that are whole numbers (pageLimit's): each read from plain digits, else left for the schema to refuse. */
const WHOLE_NUMBERS = new Set(['limit']);

function withWholeNumbers(query: Request['query']): Record<string, unknown> {
  const digits = (field: string, value: unknown) => WHOLE_NUMBERS.has(field) && typeof value === 'string' && /^\d{1,15}$/.test(value);
  return Object.fromEntries(Object.entries(query).map(([field, value]) => [field, digits(field, value) ? Number(value) : value]));
}

/** Validates a query string; a bad field answers 400 with code `bad-<field>`. */
export function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  const parsed = schema.safeParse(withWholeNumbers(req.query));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? 'query');
  throw new HttpError(400, `bad-${field}`, HINTS[field] ?? issue.message);
}
