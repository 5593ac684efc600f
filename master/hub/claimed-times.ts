// The times a worker's answer claims are the worker's word: the master keeps them only as far as they could be true
// by its own clock (WorkerSession.boundedInferenceMs: no page computes longer than it holds a job).
import type { PageStages, ResultMessage } from '../protocol.ts';
import type { LeaseRef } from '../store/job-store.ts';
import type { WorkerSession } from './worker-session.ts';

/** How far a page's stages may miss its inference time: they are sums of the same float clock readings. */
const STAGE_ROUNDING_MS = 1;

/**
 * The inference time cut to how long the master saw the lease held, and the page's stages kept only when they could
 * be true: those the model ran add up to the inference time claimed, that claim was not cut, and with the wait in
 * the page's queue they fit in the time the lease was held. Stages that cannot be true are dropped, not the answer:
 * its predictions are judged on their own.
 */
export function believedTimes(session: WorkerSession, lease: LeaseRef, message: ResultMessage, now: number): { inferenceMs: number; stages?: PageStages } {
  const inferenceMs = session.boundedInferenceMs(lease, message.inferenceMs, now);
  const { stages } = message;
  if (!stages || inferenceMs !== message.inferenceMs) return { inferenceMs };
  const ran = stages.decode + stages.preprocess + stages.predict + stages.readback;
  const withQueue = stages.queued + inferenceMs;
  const fits = session.boundedInferenceMs(lease, withQueue, now) === withQueue;
  return fits && Math.abs(ran - inferenceMs) <= STAGE_ROUNDING_MS ? { inferenceMs, stages } : { inferenceMs };
}
