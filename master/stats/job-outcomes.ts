// What a job event means for throughput and latency, read off its transition's
// name: a job entering the queue afresh (an upload, or a failed job retried,
// which will reach an outcome again, so submitted = completed + failed + pending
// holds), or a job reaching its end. Leases and requeues are neither.
import type { LatencyStage } from '../stats-api-types.ts';
import type { JobChanged } from '../lifecycle/job-events.ts';
import { stageLatencies } from './latency-stages.ts';

export type JobOutcome = { kind: 'submitted' } | { kind: 'completed'; latencyMs: Record<LatencyStage, number> | null } | { kind: 'failed' };

export function jobOutcome({ transition, job }: JobChanged): JobOutcome | null {
  switch (transition) {
    // A reopened job was done once already: it will reach an outcome again.
    case 'submitted':
    case 'retried':
    case 'reopened':
      return { kind: 'submitted' };
    case 'completed':
      return { kind: 'completed', latencyMs: stageLatencies(job) };
    // An attempt that ended without a result ends the job only once its attempts are used up.
    case 'failed':
    case 'expired':
    case 'lost':
    case 'recovered':
    case 'refused':
      return job.status === 'failed' ? { kind: 'failed' } : null;
    // A volunteer's vote: the job waits for another replica. Retention, a withdrawn verification and a job made
    // trusted-only change no outcome.
    case 'leased':
    case 'answered':
    case 'unverified':
    case 'answers-capped':
    case 'image-expired':
      return null;
  }
}
