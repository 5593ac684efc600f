// The named transitions of a job's life, and the one event each publishes.
// Boards read them on GET /api/events, other masters over Redis, statistics
// count them: the name says what happened, the job says where it is now.
import type { z } from 'zod';
import type { JobDeletedEvent, JobEvent as JobChangedEvent } from '../api-types.ts';

export const JOB_TRANSITIONS = [
  'submitted',
  'leased',
  'completed',
  'answered',
  'failed',
  'expired',
  'lost',
  'recovered',
  'refused',
  'retried',
  'reopened',
  'cancelled',
  'cleared',
] as const;
export type JobTransition = (typeof JOB_TRANSITIONS)[number];

/** Transitions that remove the job from the store. */
export const REMOVING_TRANSITIONS = ['cancelled', 'cleared'] as const satisfies readonly JobTransition[];

// The events' shapes are zod schemas in api-types.ts (they are part of the OpenAPI description).
/** A job changed and is still stored (for failed, expired, lost, recovered and refused: requeued, or failed for good). */
export type JobChanged = z.infer<typeof JobChangedEvent>;

/** A job was deleted, alone (cancelled) or with every other (cleared). */
export type JobDeleted = z.infer<typeof JobDeletedEvent>;

export type JobEvent = JobChanged | JobDeleted;

export type TransitionCounts = Record<JobTransition, number>;

export const noTransitions = (): TransitionCounts => Object.fromEntries(JOB_TRANSITIONS.map((name) => [name, 0])) as TransitionCounts;
