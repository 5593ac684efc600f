// The three latency stages of a completed job, all from the master's clock
// except inference, which the worker measures and reports.
import type { JobView } from '../api-types.ts';
import type { LatencyStage } from '../stats-api-types.ts';

export const LATENCY_STAGES: readonly LatencyStage[] = ['queue', 'inference', 'endToEnd'];

export const byStage = <T>(make: (stage: LatencyStage) => T): Record<LatencyStage, T> => ({
  queue: make('queue'),
  inference: make('inference'),
  endToEnd: make('endToEnd'),
});

/**
 * Queue time runs until the final attempt started, so time lost on earlier
 * attempts counts as queueing. Null for a job without a result and both times
 * (the stores always set them on a done job).
 */
export function stageLatencies(job: JobView): Record<LatencyStage, number> | null {
  if (!job.startedAt || !job.finishedAt || !job.result) return null;
  const submitted = Date.parse(job.submittedAt);
  return {
    queue: Date.parse(job.startedAt) - submitted,
    inference: job.result.inferenceMs,
    endToEnd: Date.parse(job.finishedAt) - submitted,
  };
}
