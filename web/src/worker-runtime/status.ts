import { UNLIMITED, type DonorLimits, type WorkerClass, type WorkerKind } from '../../../master/protocol.ts';
import type { ModelSource } from './model.ts';

export type WorkerState = 'loading' | 'warming' | 'connecting' | 'ready' | 'stopped' | 'error';
/** Why the worker takes no new jobs: the tab is hidden, the device runs on battery, or the hourly cap is reached. */
export type PauseReason = 'hidden' | 'battery' | 'hourly-limit';

/**
 * What `window.__gridWorker` holds. The headless fleet reads it with page.evaluate, so these
 * names are a public contract: add fields freely, never rename or remove one.
 */
export interface GridWorkerStatus {
  state: WorkerState;
  backend: string | null;
  backendReason: string | null;
  jobsDone: number;
  jobsFailed: number;
  /** Mean of recent inference times (decode to readback), ms. */
  msPerImage: number | null;
  lastError: string | null;
  modelHash: string | null;
  /** The page's own effort account: ms spent classifying, and ms spent working (classifying and resting) while it held jobs. */
  busyMs: number;
  workingMs: number;
  /** The identity the master issued this page, and its class (trusted: the fleet), once welcomed. */
  workerId: string | null;
  workerClass: WorkerClass | null;
  /**
   * Why the master refused this page for good (its fleet token): the page stopped and does not retry until started
   * again, and the fleet stops relaunching it. Null otherwise.
   */
  refused: string | null;
}

/** Everything the worker page shows: the public status plus details for people. */
export interface WorkerSnapshot extends GridWorkerStatus {
  name: string;
  kind: WorkerKind;
  draining: boolean;
  modelName: string | null;
  /** Download progress 0..1 while fetching the model, 1 once loaded. */
  modelProgress: number | null;
  modelSource: ModelSource | null;
  warmupMs: number | null;
  queued: number;
  credit: number;
  /** Connected but taking no new jobs (credit 0), for the reasons in pausedFor. */
  paused: boolean;
  pausedFor: PauseReason[];
  limits: DonorLimits;
  /** The volunteer's opt-in leaderboard name. */
  displayName: string | null;
  /** Model and images received from the master this visit. */
  bytesDownloaded: number;
  modelBytes: number | null;
  /** From Start to the master's welcome, ms: about a second once the model is cached. */
  startupMs: number | null;
  /** The latest inference times, oldest first, for the page's chart. */
  recentMs: number[];
  /**
   * While the page waits to reconnect: the wait, and the master's reason when it gave one. It changes at every try,
   * so the page shows it beside its alert, never in it (an alert whose text changes is read out again). Null otherwise.
   */
  retryNote: string | null;
}

/** A stopped worker that has done nothing yet, with no limits and the given starting credit. */
export function initialSnapshot(name: string, kind: WorkerKind, credit: number): WorkerSnapshot {
  return {
    state: 'stopped',
    backend: null,
    backendReason: null,
    jobsDone: 0,
    jobsFailed: 0,
    msPerImage: null,
    lastError: null,
    modelHash: null,
    refused: null,
    name,
    kind,
    draining: false,
    modelName: null,
    modelProgress: null,
    modelSource: null,
    warmupMs: null,
    queued: 0,
    credit,
    paused: false,
    pausedFor: [],
    limits: UNLIMITED,
    displayName: null,
    busyMs: 0,
    workingMs: 0,
    bytesDownloaded: 0,
    modelBytes: null,
    startupMs: null,
    recentMs: [],
    retryNote: null,
    workerId: null,
    workerClass: null,
  };
}

declare global {
  interface Window {
    __gridWorker?: GridWorkerStatus;
  }
}

/** Mirrors the status onto the page, where the fleet and its screenshots can see it. */
export function publishStatus(status: WorkerSnapshot): void {
  const { state, backend, backendReason, jobsDone, jobsFailed, msPerImage, lastError, modelHash, busyMs, workingMs, workerId, workerClass, refused } = status;
  window.__gridWorker = {
    state,
    backend,
    backendReason,
    jobsDone,
    jobsFailed,
    msPerImage,
    lastError,
    modelHash,
    busyMs,
    workingMs,
    workerId,
    workerClass,
    refused,
  };
  document.documentElement.dataset.workerState = state;
}
