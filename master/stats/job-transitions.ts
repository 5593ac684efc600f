// What a job event means for statistics. Each published job event is one applied
// transition (the dispatcher publishes only those), so its status and attempt
// count say which: leases and requeues after a lost worker count as neither
// submission nor outcome.
import type { JobView, LatencyStage } from '../api-types.ts';

export type JobTransition =
  | { kind: 'submitted' }
  /** latencyMs is null only for a done job missing its times, which the stores never publish. */
  | { kind: 'completed'; latencyMs: Record<LatencyStage, number> | null }
  | { kind: 'failed' };

export function jobTransition(job: JobView): JobTransition | null {
  switch (job.status) {
    // Attempts 0 is a job entering the queue afresh: a new upload, or a failed job retried
    // (which will reach an outcome again, so submitted = completed + failed + pending holds).
    case 'queued':
      return job.attempts === 0 ? { kind: 'submitted' } : null;
    case 'done':
      return { kind: 'completed', latencyMs: latencies(job) };
    case 'failed':
      return { kind: 'failed' };
    case 'leased':
      return null;
  }
}

/** Master-clock stages: queue is until the final attempt started, so time lost on earlier attempts counts as queueing. */
function latencies(job: JobView): Record<LatencyStage, number> | null {
  if (!job.startedAt || !job.finishedAt || !job.result) return null;
  const submitted = Date.parse(job.submittedAt);
  return {
    queue: Date.parse(job.startedAt) - submitted,
    inference: job.result.inferenceMs,
    endToEnd: Date.parse(job.finishedAt) - submitted,
  };
}
