import type { WorkerKind } from '../../../master/protocol.ts';
import type { ModelSource } from './model.ts';

export type WorkerState = 'loading' | 'warming' | 'connecting' | 'ready' | 'stopped' | 'error';

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
  /** Connected but taking no new jobs (credit 0), e.g. while the tab is hidden. */
  paused: boolean;
  /** From Start to the master's welcome, ms: about a second once the model is cached. */
  startupMs: number | null;
  /** The latest inference times, oldest first, for the page's chart. */
  recentMs: number[];
}

declare global {
  interface Window {
    __gridWorker?: GridWorkerStatus;
  }
}

/** Mirrors the status onto the page, where the fleet and its screenshots can see it. */
export function publishStatus(status: WorkerSnapshot): void {
  const { state, backend, backendReason, jobsDone, jobsFailed, msPerImage, lastError, modelHash } = status;
  window.__gridWorker = { state, backend, backendReason, jobsDone, jobsFailed, msPerImage, lastError, modelHash };
  document.documentElement.dataset.workerState = state;
}
