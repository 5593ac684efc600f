// Shapes of the master's REST and live-event API, shared with the web app.
// Field names are a public contract: scripts depend on them.
import type { Prediction, WorkerKind } from './protocol.ts';

export type JobStatus = 'queued' | 'leased' | 'done' | 'failed';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'leased', 'done', 'failed'];

export interface JobResult {
  predictions: Prediction[];
  model: string;
  backend: string;
  inferenceMs: number;
}

export type AttemptOutcome = 'running' | 'done' | 'failed' | 'expired' | 'lost' | 'cancelled' | 'recovered';

/** One lease of a job to a worker. */
export interface AttemptView {
  attempt: number;
  leaseId: string;
  worker: string;
  workerName: string;
  backend: string;
  startedAt: string;
  endedAt: string | null;
  outcome: AttemptOutcome;
  reason: string | null;
}

export interface JobView {
  id: string;
  status: JobStatus;
  attempts: number;
  fileName: string;
  contentType: string;
  size: number;
  submittedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Name of the worker holding or that finished the job. */
  worker: string | null;
  error: string | null;
  result: JobResult | null;
}

export interface JobDetailView extends JobView {
  timeline: AttemptView[];
}

export interface JobPage {
  jobs: JobView[];
  /** Pass as ?cursor= to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface WorkerView {
  id: string;
  name: string;
  kind: WorkerKind;
  backend: string;
  model: string;
  credit: number;
  inFlight: number;
  jobsDone: number;
  jobsFailed: number;
  meanInferenceMs: number | null;
  connectedAt: string;
  draining: boolean;
}

export interface ModelView {
  name: string;
  /** sha256 over the model files; part of every file URL, so caches never serve a stale model. */
  hash: string;
  /** URL of model.json (graph model); weights are relative to it. */
  url: string;
  inputRange: [number, number];
  /** Input height and width. Whether logit 0 is a background class, the worker reads off the output width (1001 vs 1000). */
  imageSize: number;
}

/** Live events pushed to boards on GET /api/events (Server-Sent Events, event name = type). */
export type LiveEvent =
  | { type: 'job'; job: JobView }
  | { type: 'job-deleted'; id: string }
  | { type: 'workers'; workers: WorkerView[] };

export interface ApiError {
  error: { code: string; message: string };
}
