// Where each job's time went, split by who could see it:
//   upload     client: intended send → 201 (retries included)
//   queue      master: submittedAt → startedAt of the lease that finished it
//              (so time lost to earlier, failed leases counts here)
//   transfer   worker lease minus inference: finishedAt − startedAt − inferenceMs
//              (image to the worker, decoding, result back)
//   inference  the worker's own measure of the model run
//   endToEnd   intended send (client) → finishedAt (master), on the one host clock they share in the study
import { distribution, type Distribution } from '../../common/percentiles.ts';
import type { JobRecord } from './job-records.ts';
import { bucketOf } from './outcomes.ts';

export const STAGES = ['upload', 'queue', 'transfer', 'inference', 'endToEnd'] as const;
export type Stage = (typeof STAGES)[number];

/** The stages this record can say anything about: upload once acknowledged, the rest once done. */
export function latencySplits(record: JobRecord): Partial<Record<Stage, number>> {
  const splits: Partial<Record<Stage, number>> = {};
  if (record.ackedAt !== null) splits.upload = record.ackedAt - record.intendedAt;
  const bucket = bucketOf(record);
  if (bucket !== 'correct' && bucket !== 'wrong') return splits;
  const { submittedAt, startedAt, finishedAt, inferenceMs } = record as JobRecord & Record<'submittedAt' | 'startedAt' | 'finishedAt' | 'inferenceMs', number>;
  splits.queue = startedAt - submittedAt;
  splits.transfer = finishedAt - startedAt - inferenceMs;
  splits.inference = inferenceMs;
  splits.endToEnd = finishedAt - record.intendedAt;
  return splits;
}

export function latencyDistributions(records: readonly JobRecord[]): Record<Stage, Distribution> {
  const splits = records.map(latencySplits);
  return Object.fromEntries(
    STAGES.map((stage) => [stage, distribution(splits.flatMap((split) => (split[stage] === undefined ? [] : [split[stage]!])))]),
  ) as Record<Stage, Distribution>;
}
