// Typed wrappers for the master's REST API. Failures surface as ApiError carrying the
// message from the master's {error: {code, message}} body.
import type {
  ApiError as ApiErrorBody,
  JobDetailView,
  JobPage,
  JobStatus,
  JobView,
  OwnStandingView,
  SubmitResponse,
  UploadLimits,
  VerificationPolicyView,
  VolunteersView,
} from '../../master/api-types.ts';
import { ModelView } from '../../master/api-types.ts';
import type { StatsView } from '../../master/stats-api-types.ts';
import type { WorkerIdentity } from '../../master/protocol.ts';
import { z } from 'zod';

export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    message: string,
    /** HTTP status; 0 when the master could not be reached at all. */
    readonly status: number,
    readonly code: string,
    /** How long the master asked us to wait before trying again (its Retry-After), when it said. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** How long the master asked a client to wait before asking again (Retry-After), 0 if it did not. */
export const askedWaitMs = (error: unknown): number => (error instanceof ApiError ? (error.retryAfterMs ?? 0) : 0);

export interface JobQuery {
  status?: JobStatus;
  limit?: number;
  cursor?: string;
}

/** The served model's description, checked: the page builds every image's input from it, so a wrong one fails here, once. */
export async function fetchModel(): Promise<ModelView> {
  const parsed = ModelView.safeParse(await request<unknown>('/api/model'));
  if (!parsed.success) throw new Error(`the master's model description is not usable: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
  return parsed.data;
}

export const fetchVerificationPolicy = () => request<VerificationPolicyView>('/api/verification');

export function listJobs(query: JobQuery = {}): Promise<JobPage> {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  if (query.cursor) params.set('cursor', query.cursor);
  return requestPage<JobPage>('/api/jobs', params, query.limit);
}

/**
 * The smallest page size each path was refused (bad-limit): the master's MAX_JOBS_PAGE or MAX_LEADERBOARD_PAGE is
 * lower, and it publishes its maximum nowhere else. That size or a larger one is not asked for again.
 */
const refusedLimits = new Map<string, number>();

/** A page of `limit` rows, or of the master's default size (never past its maximum) where it refuses that many. */
async function requestPage<T>(path: string, params: URLSearchParams, limit: number | undefined): Promise<T> {
  const refused = refusedLimits.get(path) ?? Infinity;
  if (limit !== undefined && limit < refused) {
    try {
      return await request<T>(withQuery(path, params, { limit: String(limit) }));
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'bad-limit')) throw error;
      refusedLimits.set(path, limit);
    }
  }
  return request<T>(withQuery(path, params));
}

function withQuery(path: string, params: URLSearchParams, extra: Record<string, string> = {}): string {
  const search = new URLSearchParams([...params, ...Object.entries(extra)]).toString();
  return search ? `${path}?${search}` : path;
}

export const getJob = (id: string) => request<JobDetailView>(jobPath(id));

// Changing a job needs its owner's key, which this browser holds as a cookie (sent by itself) for the
// jobs it submitted, or the admin token.

/** Puts a failed job back in the queue; answers the job as it is now. */
export const retryJob = (id: string, adminToken?: string) => request<JobView>(`${jobPath(id)}/retry`, { method: 'POST', headers: bearer(adminToken) });

/** Deletes one job. */
export const deleteJob = (id: string, adminToken?: string) => request<void>(jobPath(id), { method: 'DELETE', headers: bearer(adminToken) });

/** Deletes every job; the master always wants its admin token for that. */
export const clearJobs = (adminToken: string) => request<{ deleted: number }>('/api/jobs', { method: 'DELETE', headers: bearer(adminToken) });

const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** On a private board the master gives its statistics to the admin only (they count spot checks). */
export const fetchStats = (adminToken?: string) => request<StatsView>('/api/stats', { headers: bearer(adminToken) });

/** The master turned a live event stream away: its reason, and how long it asked us to wait (ms, if it said). */
export interface EventsRefusal {
  message: string;
  retryAfterMs: number | null;
}

/**
 * Why the master turns our event stream away (too many boards from this address, or in all), which EventSource
 * never says: asks once more with fetch and reads the answer. Null when the stream would be served now (it is
 * closed at once) or the master cannot be reached at all.
 */
export async function eventsRefusal(path: string): Promise<EventsRefusal | null> {
  const aborter = new AbortController();
  try {
    const response = await fetch(path, { headers: { accept: 'text/event-stream' }, signal: aborter.signal });
    if (response.ok) return null;
    const { message, retryAfterMs } = await errorFrom(response);
    return { message, retryAfterMs };
  } catch {
    return null;
  } finally {
    aborter.abort();
  }
}

/** A page of the leaderboard from `offset`: `limit` volunteers, or fewer where the master allows fewer (the view's limit says). */
export const fetchVolunteers = (offset: number, limit: number) =>
  requestPage<VolunteersView>('/api/volunteers', new URLSearchParams({ offset: String(offset) }), limit);

/** The standing of the identity the master issued this browser (none before its first welcome). */
export const fetchOwnStanding = (identity: WorkerIdentity | null): Promise<OwnStandingView> =>
  identity
    ? request<OwnStandingView>('/api/volunteers/me', { headers: { 'x-worker-id': identity.workerId, 'x-worker-token': identity.token } })
    : Promise.resolve({ standing: null });

/**
 * Makes sure this browser has an owner key (its cookie) before it uploads: uploads sent side by side
 * without one would each be given another owner. ownerKey is there only when the master gave a new key just now.
 */
export const claimOwner = () => request<{ owner: string; ownerKey?: string; uploadLimits?: UploadLimits }>('/api/owner', { method: 'POST' });

export interface UploadOptions {
  /** Sent as Idempotency-Key, so retrying an upload whose answer was lost cannot create the job twice. */
  idempotencyKey: string;
  /** Sent as the form field "private": only the operator's trusted workers may see the image. */
  trustedOnly: boolean;
  /** Bytes of the file sent so far. */
  onProgress(loaded: number): void;
}

/**
 * Uploads one image as its own job. XMLHttpRequest, not fetch, because only it reports
 * upload progress; one request per file makes that progress and any error the file's own.
 */
export function uploadImage(file: File, { idempotencyKey, trustedOnly, onProgress }: UploadOptions): Promise<JobView> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/jobs');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('idempotency-key', idempotencyKey);
    // Given up once nothing moves for API_TIMEOUT_MS, neither bytes out nor an answer (a master that hangs, a
    // connection dead without a close); a slow uplink still sending keeps it going. Else it waited for ever.
    let stall: ReturnType<typeof setTimeout> | undefined;
    const moved = () => {
      clearTimeout(stall);
      stall = setTimeout(() => {
        xhr.abort();
        reject(new ApiError(`the master did not answer within ${API_TIMEOUT_MS / 1000} s`, 0, 'timeout'));
      }, API_TIMEOUT_MS);
    };
    xhr.onloadend = () => clearTimeout(stall);
    // The request also carries multipart headers: scale its progress to the file's own size.
    xhr.upload.onprogress = (event) => {
      moved();
      if (event.lengthComputable && event.total > 0) onProgress(Math.min(file.size, (event.loaded / event.total) * file.size));
    };
    xhr.onload = () => {
      const body = parseJson(xhr.responseText);
      const job = (body as SubmitResponse | null)?.jobs?.[0];
      if (xhr.status === 201 && job) resolve(job);
      else reject(apiErrorOf(xhr.status, xhr.statusText, body, xhr.getResponseHeader('retry-after')));
    };
    xhr.onerror = () => reject(new ApiError('the master is unreachable', 0, 'unreachable'));
    const form = new FormData();
    form.append('private', String(trustedOnly));
    form.append('image', file, file.name);
    xhr.send(form);
    moved();
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export const jobImageUrl = (id: string) => `${jobPath(id)}/image`;

const jobPath = (id: string) => `/api/jobs/${encodeURIComponent(id)}`;

/**
 * How long a request may wait for its whole answer. One sent on a connection that died without a close (a host gone,
 * a NAT entry dropped) would wait until the system gives up on the connection, minutes later, and the board's
 * refreshes, one at a time, with it.
 */
export const API_TIMEOUT_MS = 30_000;

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const aborter = new AbortController();
  const timer = setTimeout(() => aborter.abort(), API_TIMEOUT_MS);
  try {
    let response: Response;
    try {
      response = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers }, signal: aborter.signal });
    } catch {
      throw unanswered(aborter.signal);
    }
    if (!response.ok) throw await errorFrom(response);
    // 204 No Content (a delete) has no body to parse; reading it to the end still lets the request finish cleanly.
    if (response.status === 204) {
      await response.text();
      return undefined as T;
    }
    return (await response.json().catch((error: unknown) => Promise.reject(aborter.signal.aborted ? unanswered(aborter.signal) : error))) as T;
  } finally {
    clearTimeout(timer);
  }
}

/** A request that failed before its answer arrived: the master out of reach, or too slow to answer at all. */
const unanswered = (signal: AbortSignal) =>
  new ApiError(signal.aborted ? `the master did not answer within ${API_TIMEOUT_MS / 1000} s` : 'the master is unreachable', 0, 'unreachable');

/** The master's own explanation when it sent one, else the HTTP status line. */
export async function errorFrom(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  return apiErrorOf(response.status, response.statusText, body, response.headers.get('retry-after'));
}

/** The ApiError for a failed answer whose body is already parsed (fetch and XMLHttpRequest both end here). */
function apiErrorOf(status: number, statusText: string, body: unknown, retryAfter: string | null): ApiError {
  // The master says Retry-After in seconds.
  const seconds = Number(retryAfter);
  const retryAfterMs = seconds > 0 ? seconds * 1000 : null;
  if (isErrorBody(body)) return new ApiError(body.error.message, status, body.error.code, retryAfterMs);
  return new ApiError(`${status} ${statusText}`.trim(), status, 'http_error', retryAfterMs);
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = body.error;
  return (
    typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string' && 'code' in error && typeof error.code === 'string'
  );
}
