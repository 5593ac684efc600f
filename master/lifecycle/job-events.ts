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
  'unverified',
  'answers-capped',
  'image-expired',
  'cancelled',
  'cleared',
  'purged',
] as const;
export type JobTransition = (typeof JOB_TRANSITIONS)[number];

/** Transitions that remove the job from the store (purged: JOB_RETENTION_MS after it ended, lifecycle/retention.ts). */
export const REMOVING_TRANSITIONS = ['cancelled', 'cleared', 'purged'] as const satisfies readonly JobTransition[];

// The events' shapes are zod schemas in api-types.ts (they are part of the OpenAPI description).
/**
 * A job changed and is still stored (for failed, expired, lost, recovered and refused: requeued, or failed for good;
 * image-expired: its image was deleted IMAGE_RETENTION_MS after it ended, its result kept; unverified: a done job whose
 * image had expired when a volunteer it leaned on was blacklisted, so it could not be reopened: its result says so;
 * answers-capped: a queued job a volunteer's lease passed over holding MAX_ANSWERS_PER_JOB answers, left so by a master
 * with a higher limit, made trusted-only).
 */
export type JobChanged = z.infer<typeof JobChangedEvent>;

/** A job was deleted, alone (cancelled), with every other (cleared), or JOB_RETENTION_MS after it ended (purged). */
export type JobDeleted = z.infer<typeof JobDeletedEvent>;

export type JobEvent = JobChanged | JobDeleted;

export type TransitionCounts = Record<JobTransition, number>;

export const noTransitions = (): TransitionCounts => Object.fromEntries(JOB_TRANSITIONS.map((name) => [name, 0])) as TransitionCounts;
