import type { JobView } from '../../../master/api-types.ts';

// Every timestamp comes from the master's clock, so these differences are honest even when
// the viewer's clock is off.

/**
 * Time waiting for a worker: submitted → leased (the latest lease, after a retry). None while the job is queued: a job
 * back in the queue keeps its earlier lease's startedAt, which is no wait of the attempt to come.
 */
export function queueMs(job: Pick<JobView, 'status' | 'submittedAt' | 'startedAt'>): number | null {
  return job.startedAt && job.status !== 'queued' ? msBetween(job.submittedAt, job.startedAt) : null;
}

/** When a queued job went back into the queue (its lease lost, failed, a vote kept, reopened, retried); null when it has waited since submission, or is not queued. */
export function queuedAgainAt(job: Pick<JobView, 'status' | 'submittedAt' | 'queuedAt'>): string | null {
  return job.status === 'queued' && job.queuedAt !== job.submittedAt ? job.queuedAt : null;
}

/** Submitted → finished, done or failed. */
export function endToEndMs(job: Pick<JobView, 'submittedAt' | 'finishedAt'>): number | null {
  return job.finishedAt ? msBetween(job.submittedAt, job.finishedAt) : null;
}

export function msBetween(fromIso: string, toIso: string): number {
  return Math.max(0, Date.parse(toIso) - Date.parse(fromIso));
}
