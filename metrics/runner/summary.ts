// Everything reported for one loss rate, computed from its raw records.
import type { Distribution } from '../../common/percentiles.ts';
import type { JobRecord } from './job-records.ts';
import { latencyDistributions, type Stage } from './latency.ts';
import type { MeasuredLoss } from './loss-probe.ts';
import { countBuckets, inTop5, type Bucket } from './outcomes.ts';
import { rates, type Rates } from './rates.ts';
import { wilsonInterval, type Proportion } from './wilson.ts';

export interface LossSummary extends Rates {
  loss: number;
  /** Which run of that loss rate, from 1 (--repeats). */
  repeat: number;
  /** What the link really dropped, by UDP probes just before the uploads. */
  measuredLoss: MeasuredLoss | null;
  offeredRate: number;
  submitted: number;
  buckets: Record<Bucket, number>;
  /** Unacknowledged uploads for which the master did create a job (the 201 was lost and no retry got through). */
  createdButUnacknowledged: number;
  /** Jobs the master holds beyond one per upload key (Idempotency-Key): an upload taken twice. */
  duplicateJobs: number;
  /** Upload attempts beyond the first, over all uploads. */
  retries: number;
  /** Top-1 / top-5 over every image sent: anything not done counts as a miss. */
  top1: Proportion;
  top5: Proportion;
  /** Top-1 over done jobs only: the model's accuracy, comparable with the dev-set figure. */
  top1OfDone: Proportion;
  latency: Record<Stage, Distribution>;
}

export interface SummaryContext {
  loss: number;
  repeat: number;
  offeredRate: number;
  measuredLoss: MeasuredLoss | null;
  /** Counted from the master's jobs (master-jobs.ts duplicateJobs): records keep one job per key. */
  duplicateJobs: number;
}

export function summarize(records: readonly JobRecord[], { loss, repeat, offeredRate, measuredLoss, duplicateJobs }: SummaryContext): LossSummary {
  const buckets = countBuckets(records);
  const done = buckets.correct + buckets.wrong;
  return {
    loss,
    repeat,
    measuredLoss,
    offeredRate,
    submitted: records.length,
    buckets,
    createdButUnacknowledged: records.filter((r) => r.ackedAt === null && r.jobId !== null).length,
    duplicateJobs,
    retries: records.reduce((sum, r) => sum + r.uploadAttempts.length - 1, 0),
    ...rates(records, offeredRate),
    top1: wilsonInterval(buckets.correct, records.length),
    top5: wilsonInterval(records.filter(inTop5).length, records.length),
    top1OfDone: wilsonInterval(buckets.correct, done),
    latency: latencyDistributions(records),
  };
}
