// What a worker page says about itself, read from window.__gridWorker (or,
// failing that, from <html data-worker-state>).

export const PAGE_STATES = ['loading', 'warming', 'connecting', 'ready', 'stopped', 'error'] as const;
export type PageState = (typeof PAGE_STATES)[number];

export interface PageStatus {
  state: PageState;
  backend?: string;
  backendReason?: string;
  jobsDone: number;
  jobsFailed: number;
  msPerImage?: number;
  lastError?: string;
  modelHash?: string;
  /** Why the master refused the page for good (its fleet token): the page stopped, and a relaunch would be refused again. */
  refused?: string;
}

/**
 * Evaluated in the page. A string rather than a function because tsx/esbuild
 * may wrap functions with helpers (__name) that do not exist in the page.
 */
export const READ_PAGE_STATUS_SCRIPT = `(() => {
  const status = window.__gridWorker;
  if (status && typeof status === 'object') {
    const { state, backend, backendReason, jobsDone, jobsFailed, msPerImage, lastError, modelHash, refused } = status;
    return { state, backend, backendReason, jobsDone, jobsFailed, msPerImage, lastError, modelHash, refused };
  }
  const state = document.documentElement && document.documentElement.dataset.workerState;
  return state ? { state } : null;
})()`;

/** Turns whatever the page returned into a PageStatus, or undefined if it reports nothing usable yet. */
export function parsePageStatus(raw: unknown): PageStatus | undefined {
  if (!isRecord(raw) || !isPageState(raw.state)) return undefined;
  return {
    state: raw.state,
    backend: optionalString(raw.backend),
    backendReason: optionalString(raw.backendReason),
    jobsDone: count(raw.jobsDone),
    jobsFailed: count(raw.jobsFailed),
    msPerImage: typeof raw.msPerImage === 'number' && Number.isFinite(raw.msPerImage) ? raw.msPerImage : undefined,
    lastError: optionalString(raw.lastError),
    modelHash: optionalString(raw.modelHash),
    refused: optionalString(raw.refused),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPageState(value: unknown): value is PageState {
  return (PAGE_STATES as readonly unknown[]).includes(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;
}
