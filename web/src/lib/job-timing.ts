import type { JobView } from '../../../master/api-types.ts';

// Every timestamp comes from the master's clock, so these differences are honest even when
// the viewer's clock is off.

/** Time waiting for a worker: submitted → leased (the latest lease, after a retry). */
export function queueMs(job: Pick<JobView, 'submittedAt' | 'startedAt'>): number | null {
  return job.startedAt ? msBetween(job.submittedAt, job.startedAt) : null;
}

/** Submitted → finished, done or failed. */
export function endToEndMs(job: Pick<JobView, 'submittedAt' | 'finishedAt'>): number | null {
  return job.finishedAt ? msBetween(job.submittedAt, job.finishedAt) : null;
}

export function msBetween(fromIso: string, toIso: string): number {
  return Math.max(0, Date.parse(toIso) - Date.parse(fromIso));
}
