import { MAX_CREDIT } from '../../../master/protocol.ts';

/** Credit announced in hello, before this browser's speed is known. */
export const INITIAL_CREDIT = 2;
/** Jobs to finish before the measured speed is trusted for sizing credit. */
export const CREDIT_SAMPLE_JOBS = 3;
/** How much work the local queue should hold: enough to hide the network round trip. */
const TARGET_QUEUE_MS = 2000;
/** Ignore changes smaller than this fraction, so timing noise does not send a credit message per job. */
const MIN_RELATIVE_CHANGE = 0.25;

/**
 * Credit that keeps about 2 s of work queued, but never so much that the last queued job
 * would wait beyond half its lease.
 */
export function creditFor(msPerImage: number, leaseMs: number | null): number {
  const budgetMs = leaseMs === null ? TARGET_QUEUE_MS : Math.min(TARGET_QUEUE_MS, leaseMs / 2);
  const credit = Math.round(budgetMs / Math.max(msPerImage, 1));
  return Math.min(MAX_CREDIT, Math.max(1, credit));
}

/** The credit to move to from `current`, or `current` when the difference is just noise. */
export function nextCredit(current: number, msPerImage: number, leaseMs: number | null): number {
  const target = creditFor(msPerImage, leaseMs);
  const change = Math.abs(target - current) / Math.max(current, 1);
  return change >= MIN_RELATIVE_CHANGE ? target : current;
}
