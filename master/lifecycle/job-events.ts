// The named transitions of a job's life, and the one event each publishes.
// Boards read them on GET /api/events, other masters over Redis, statistics
// count them: the name says what happened, the job says where it is now.
import type { JobView } from '../api-types.ts';

export const JOB_TRANSITIONS = [
  'submitted',
  'leased',
  'completed',
  'failed',
  'expired',
  'lost',
  'recovered',
  'retried',
  'cancelled',
  'cleared',
] as const;
export type JobTransition = (typeof JOB_TRANSITIONS)[number];

/** Transitions that remove the job from the store. */
export type RemovingTransition = 'cancelled' | 'cleared';

/** A job changed and is still stored (for failed, expired, lost and recovered: requeued, or failed for good). */
export interface JobChanged {
  type: 'job';
  transition: Exclude<JobTransition, RemovingTransition>;
  job: JobView;
}

/** A job was deleted, alone (cancelled) or with every other (cleared). */
export interface JobDeleted {
  type: 'job-deleted';
  transition: RemovingTransition;
  id: string;
}

export type JobEvent = JobChanged | JobDeleted;

export type TransitionCounts = Record<JobTransition, number>;

export const noTransitions = (): TransitionCounts =>
  Object.fromEntries(JOB_TRANSITIONS.map((name) => [name, 0])) as TransitionCounts;
