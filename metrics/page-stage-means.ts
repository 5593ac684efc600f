// Mean ms per image in each stage of the worker page (decode, preprocess, …), as the benches print them: over the
// jobs whose page measured them. The master keeps a result but drops stages that could not be true
// (master/hub/claimed-times.ts); counted as 0 ms, such a job would pull every mean down.
import type { JobDetailView } from '../master/api-types.ts';
import type { PageStage } from '../master/protocol.ts';

export interface PageStageMeans<S extends PageStage> {
  /** NaN for every stage when no job was measured. */
  means: Record<S, number>;
  /** The jobs the means are over. */
  measuredJobs: number;
}

export function pageStageMeans<S extends PageStage>(done: readonly Pick<JobDetailView, 'result'>[], stages: readonly S[]): PageStageMeans<S> {
  const measured = done.flatMap((job) => (job.result?.stages ? [job.result.stages] : []));
  const mean = (stage: S) => measured.reduce((sum, staged) => sum + staged[stage], 0) / (measured.length || Number.NaN);
  return { means: Object.fromEntries(stages.map((stage) => [stage, mean(stage)])) as Record<S, number>, measuredJobs: measured.length };
}
