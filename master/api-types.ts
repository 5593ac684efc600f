// Shapes of the master's REST and live-event API, shared with the web app.
// Field names are a public contract: scripts depend on them.
import type { JobEvent, TransitionCounts } from './lifecycle/job-events.ts';
import type { Prediction, WorkerKind } from './protocol.ts';

export type JobStatus = 'queued' | 'leased' | 'done' | 'failed';
export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'leased', 'done', 'failed'];

export interface JobResult {
  predictions: Prediction[];
  model: string;
  backend: string;
  inferenceMs: number;
}

export type AttemptOutcome = 'running' | 'done' | 'failed' | 'expired' | 'lost' | 'recovered';

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

/** POST /api/jobs answer. */
export interface SubmitResponse {
  jobs: JobView[];
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
  /** The browser family the worker page reported, e.g. "firefox". */
  browser: string | null;
  backend: string;
  model: string;
  credit: number;
  /** The volunteer's donor limits: share of one core (percent) and hourly cap (null: none). */
  cpuShare: number;
  imagesPerHour: number | null;
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
  /** Size of all model files: what a worker downloads once, then keeps in its cache. */
  bytes: number;
  /** Input height and width. Whether logit 0 is a background class, the worker reads off the output width (1001 vs 1000). */
  imageSize: number;
}

/** Live events pushed to boards on GET /api/events (Server-Sent Events, event name = type); job events name their transition. */
export type LiveEvent = JobEvent | { type: 'workers'; workers: WorkerView[] };

export interface ApiError {
  error: { code: string; message: string };
}

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Cumulative histogram bucket: how many observations were ≤ `le` ms (Prometheus style; the last has le = +Inf as null). */
export interface HistogramBucket {
  le: number | null;
  count: number;
}

export type LatencyStage = 'queue' | 'inference' | 'endToEnd';

/** GET /api/stats: this master's live statistics. */
export interface StatsView {
  at: string;
  uptimeSeconds: number;
  jobs: Record<JobStatus, number>;
  /** One point per 5 s over the last 10 minutes, oldest first. */
  series: { at: string; submitted: number; completed: number; failed: number; queued: number; leased: number }[];
  /** Over the jobs completed in the last 10 minutes. */
  latencyMs: Record<LatencyStage, Distribution>;
  histogramsMs: Record<LatencyStage, HistogramBucket[]>;
  workers: WorkerView[];
  dispatch: {
    dispatched: number;
    completed: number;
    failedAttempts: number;
    reassigned: { lost: number; expired: number };
    rejected: Record<'unknown-job' | 'stale-lease' | 'not-your-lease', number>;
  };
  /** Job transitions this master applied since it started, by name (recovered: leases requeued on start). */
  transitions: TransitionCounts;
}

// ---- volunteers (GET /api/volunteers) ----

export interface VolunteerStanding {
  /** 1 for the volunteer with the most images; ties share a rank. */
  rank: number;
  /** The opt-in display name; null shows as anonymous. The id itself is never shown. */
  displayName: string | null;
  images: number;
  computeMs: number;
}

export interface Tally {
  key: string;
  images: number;
  computeMs: number;
}

export interface LeaderboardPage {
  /** Volunteers with any credit. */
  total: number;
  volunteers: VolunteerStanding[];
}

export interface LedgerTotals {
  images: number;
  computeMs: number;
  byBrowser: Tally[];
  byBackend: Tally[];
}

/** GET /api/volunteers: one page of the leaderboard and the totals of everyone. */
export interface VolunteersView extends LeaderboardPage {
  offset: number;
  limit: number;
  totals: LedgerTotals;
}

/** GET /api/volunteers/me: the asking volunteer's standing, null before their first accepted image. */
export interface OwnStandingView {
  standing: VolunteerStanding | null;
}
