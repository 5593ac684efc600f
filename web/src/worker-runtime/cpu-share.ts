import type { DonorLimits } from '../../../master/protocol.ts';
import { delay } from '../lib/backoff.ts';

/**
 * How long to rest after `busyMs` of inference so that busy time is `cpuShare` percent of working
 * time: at 25%, three times as long as the work took.
 */
export function restAfter(busyMs: number, cpuShare: DonorLimits['cpuShare']): number {
  return busyMs * (100 / cpuShare - 1);
}

/** Time per image with the rest the share asks for: what the credit must be sized for (fewer jobs held at 25%). */
export function pacedMsPerImage(msPerImage: number, cpuShare: DonorLimits['cpuShare']): number {
  return msPerImage * (100 / cpuShare);
}

/**
 * The page's own account of its effort: time spent classifying, and time spent working at all
 * (classifying, resting between images, handing results back) while it held jobs.
 */
export interface EffortAccount {
  busyMs: number;
  workingMs: number;
}

/** Busy share of working time, 0..1, or null before any work. */
export function busyShare({ busyMs, workingMs }: EffortAccount): number | null {
  return workingMs > 0 ? Math.min(1, busyMs / workingMs) : null;
}

/** Keeps a run of jobs to the volunteer's CPU share: rests after each job, and accounts the effort. */
export class Pacer {
  private workingSince = performance.now();

  /** After a job that kept the page busy `busyMs`: rests as the share asks, then returns the effort to add. */
  async rest(busyMs: number, cpuShare: DonorLimits['cpuShare']): Promise<EffortAccount> {
    const restMs = restAfter(busyMs, cpuShare);
    if (restMs > 0) await delay(restMs);
    const now = performance.now();
    const effort = { busyMs, workingMs: now - this.workingSince };
    this.workingSince = now;
    return effort;
  }
}
