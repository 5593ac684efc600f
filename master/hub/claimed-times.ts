// The times a worker's answer claims are the worker's word: the master keeps them only as far as they could be true by
// its own clock. No page computes longer than it holds a job, so an honest claim is kept and an inflated one (to pad a
// volunteer's credit or the stats) is cut; every worker's, the fleet's too: the bound is physical.
import type { PageStages, ResultMessage } from '../protocol.ts';
import type { LeaseRef } from '../store/job-store.ts';
import type { WorkerSession } from './worker-session.ts';

/**
 * How much longer than the master's clock reads a page may honestly have held a job: the master's clock counts whole
 * milliseconds, and a page's may too (Firefox rounds performance.now() to 1 ms), so together up to 2 ms.
 */
export const CLOCK_GRAIN_MS = 2;

/** How far a page's stages may miss its inference time: they are sums of the same float clock readings. */
const STAGE_ROUNDING_MS = 1;

/**
 * The inference time cut to how long the master saw the lease held (0 for a lease it no longer holds: the answer is
 * fenced off anyway), and the page's stages kept only when they could be true: those the model ran add up to the
 * inference time claimed, that claim was not cut, and with the wait in the page's queue they fit in the time the lease
 * was held. Stages that cannot be true are dropped, not the answer: its predictions are judged on their own.
 */
export function believedTimes(session: WorkerSession, lease: LeaseRef, message: ResultMessage, now: number): { inferenceMs: number; stages?: PageStages } {
  const heldMs = session.heldMs(lease, now);
  if (heldMs === null) return { inferenceMs: 0 };
  const mostMs = Math.max(0, heldMs + CLOCK_GRAIN_MS);
  const inferenceMs = Math.min(message.inferenceMs, mostMs);
  const { stages } = message;
  if (!stages || inferenceMs !== message.inferenceMs) return { inferenceMs };
  const ran = stages.decode + stages.preprocess + stages.predict + stages.readback;
  const fits = stages.queued + inferenceMs <= mostMs;
  return fits && Math.abs(ran - inferenceMs) <= STAGE_ROUNDING_MS ? { inferenceMs, stages } : { inferenceMs };
}
