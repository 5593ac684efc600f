// Typed wrappers for the master's REST API. Failures surface as ApiError carrying the
// message from the master's {error: {code, message}} body.
import type { ApiError as ApiErrorBody, JobDetailView, JobPage, JobStatus, ModelView, SubmitResponse, WorkerView } from '../../master/api-types.ts';

export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    message: string,
    /** HTTP status; 0 when the master could not be reached at all. */
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}


export interface JobQuery {
  status?: JobStatus;
  limit?: number;
  cursor?: string;
}

export const fetchModel = () => request<ModelView>('/api/model');

export function listJobs(query: JobQuery = {}): Promise<JobPage> {
  const params = new URLSearchParams();
  if (query.status) params.set('status', query.status);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.cursor) params.set('cursor', query.cursor);
  const search = params.toString();
  return request<JobPage>(search ? `/api/jobs?${search}` : '/api/jobs');
}

export const getJob = (id: string) => request<JobDetailView>(jobPath(id));

export const listWorkers = () => request<{ workers: WorkerView[] }>('/api/workers');

/** Uploads every file in the form's `image` field; the browser sets the multipart boundary. */
export const submitJobs = (form: FormData) => request<SubmitResponse>('/api/jobs', { method: 'POST', body: form });

export const jobImageUrl = (id: string) => `${jobPath(id)}/image`;

const jobPath = (id: string) => `/api/jobs/${encodeURIComponent(id)}`;

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError('the master is unreachable', 0, 'unreachable');
  }
  if (!response.ok) throw await errorFrom(response);
  return (await response.json()) as T;
}

/** The master's own explanation when it sent one, else the HTTP status line. */
export async function errorFrom(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  if (isErrorBody(body)) return new ApiError(body.error.message, response.status, body.error.code);
  return new ApiError(`${response.status} ${response.statusText}`.trim(), response.status, 'http_error');
}

function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = body.error;
  return typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string'
    && 'code' in error && typeof error.code === 'string';
}
