// What a job event means for statistics. Each published job event is one applied
// transition (the dispatcher publishes only those), and its status and attempt
// count say which one: leases, and requeues after a lost worker or a retryable
// failure, are neither a submission nor an outcome.
import type { JobView, LatencyStage } from '../api-types.ts';
import { stageLatencies } from './latency-stages.ts';

export type JobTransition =
  | { kind: 'submitted' }
  | { kind: 'completed'; latencyMs: Record<LatencyStage, number> | null }
  | { kind: 'failed' };

export function jobTransition(job: JobView): JobTransition | null {
  switch (job.status) {
    // Attempts 0 is a job entering the queue afresh: a new upload, or a failed job retried,
    // which will reach an outcome again, so submitted = completed + failed + pending holds.
    case 'queued':
      return job.attempts === 0 ? { kind: 'submitted' } : null;
    case 'done':
      return { kind: 'completed', latencyMs: stageLatencies(job) };
    case 'failed':
      return { kind: 'failed' };
    case 'leased':
      return null;
  }
}
