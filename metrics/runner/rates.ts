// Rates per loss level. Every window opens at the start of the open-loop
// schedule, one send interval before the first intended send, so n uploads
// fill n slots and a system that keeps up with zero delay reads exactly the
// offered rate. Windows are on the one host clock the client and the master
// share in the study, so the master's finish times end them as they are.
//
// submissionRate: uploads acknowledged (201) per second, until the last 201.
//   This is what the 2020 study called throughput.
// completionThroughput: jobs done per second, until the last job finished.
// goodput: jobs done with the right top-1 class per second, over the same
//   window as completionThroughput.
import type { JobRecord } from './job-records.ts';
import { bucketOf } from './outcomes.ts';

export interface Rates {
  submissionRate: number;
  submissionWindowSeconds: number;
  completionThroughput: number;
  goodput: number;
  completionWindowSeconds: number;
}

export function rates(records: readonly JobRecord[], offeredRate: number): Rates {
  const start = Math.min(...records.map((r) => r.intendedAt)) - 1000 / offeredRate;
  const acked = records.filter((r) => r.ackedAt !== null);
  const done = records.filter((r) => ['correct', 'wrong'].includes(bucketOf(r)));
  const correct = done.filter((r) => bucketOf(r) === 'correct');
  const submissionWindowSeconds = acked.length ? (Math.max(...acked.map((r) => r.ackedAt!)) - start) / 1000 : 0;
  const completionWindowSeconds = done.length ? (Math.max(...done.map((r) => r.finishedAt!)) - start) / 1000 : 0;
  const per = (count: number, seconds: number) => (seconds > 0 ? count / seconds : 0);
  return {
    submissionRate: per(acked.length, submissionWindowSeconds),
    submissionWindowSeconds,
    completionThroughput: per(done.length, completionWindowSeconds),
    goodput: per(correct.length, completionWindowSeconds),
    completionWindowSeconds,
  };
}
