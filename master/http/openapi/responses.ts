// What the OpenAPI description's routes have in common (openapi/*-routes.ts): who may ask, and the answers many give.
import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

/** Any credential (or none: some answers then differ, as each route says). */
export const anyone: RouteConfig['security'] = [{ bearer: [] }, { ownerCookie: [] }, {}];

export const json = (schema: z.ZodType, description: string): ResponseConfig => ({ description, content: { 'application/json': { schema } } });

/** An error answer: {error: {code, message}} with `code` one of those listed, so a new code must be described here. */
export const error = (description: string, codes: [string, ...string[]], headers?: ResponseConfig['headers']): ResponseConfig => ({
  description: `${description} Codes: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
  headers,
  content: { 'application/json': { schema: z.object({ error: z.object({ code: z.enum(codes), message: z.string() }) }) } },
});

export const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' as const } } };
export const badCredentials = error('The Authorization header holds no admin token, API key or owner key of this master.', ['bad-credentials']);
export const storeUnavailable = error('The job store is unreachable just now; nothing was stored.', ['store-unavailable'], retryAfter);
export const jobId = z.object({ id: z.string().meta({ description: 'A job id, as POST /api/jobs answered it.' }) });
/** A path parameter with a "%" that starts no valid percent-encoding: Express cannot decode it. */
export const badPath = error('The path holds a broken percent-encoding.', ['bad-path']);
export const unknownJob = error('No job with this id (on a private board: none the requester may see).', ['job-not-found']);
export const mayNotChange = {
  401: error('No credentials were sent (or the Authorization header names no one); changing a job needs its owner key or the admin token.', [
    'credentials-required',
    'bad-credentials',
  ]),
  403: error(
    'The job belongs to someone else (jobs stored before owners existed belong to no one: only the admin may change them). On a private board such a job is 404 job-not-found instead.',
    ['not-your-job'],
  ),
};
export const noContent: ResponseConfig = { description: 'Done; no body.' };
