// Which queued job the embedded store's lease gives a worker: the oldest it may take among the first LEASE_SCAN_LIMIT
// (the twin of job-lib.lua's oldest_for).
import type { Limits, WorkerRef } from './job-store.ts';
import type { JobRow } from './job-views.ts';
import type { Statements } from './sqlite-statements.ts';

type ScanLimits = Pick<Limits, 'leaseScanLimit' | 'maxVotersPerNetwork' | 'maxAnswersPerJob'>;

/**
 * The oldest queued job lease would give this worker now. Reads only (openTo is a read): it passes over the jobs a
 * lease would mark (jobToLease) without marking them, so a scan full of them finds none until a lease has marked them
 * (open-to.lua marks them itself); openTo then only draws no spot check for that volunteer.
 */
export function oldestFor(q: Statements, limits: ScanLimits, worker: WorkerRef): JobRow | undefined {
  const scan = { identity: worker.identity, scan: limits.leaseScanLimit };
  if (worker.workerClass === 'trusted') return q.oldestQueuedForTrusted.get(scan) as JobRow | undefined;
  const network = { network: worker.network ?? null, votersPerNetwork: limits.maxVotersPerNetwork, maxAnswers: limits.maxAnswersPerJob };
  return q.oldestQueuedForVolunteer.get({ ...scan, ...network }) as JobRow | undefined;
}

/**
 * The job to lease to this worker, in a write: as oldestFor, but a volunteer's lease makes the jobs holding
 * MAX_ANSWERS_PER_JOB answers that it passed over trusted-only (markAnswersFull), telling `capped` each id as it
 * marks it, and with none found reads on past them. Each such job is marked once, so reading on costs each a single
 * read over the store's life.
 */
export function jobToLease(q: Statements, limits: ScanLimits, worker: WorkerRef, capped: (id: string) => void): JobRow | undefined {
  let row = oldestFor(q, limits, worker);
  if (worker.workerClass === 'trusted') return row;
  for (;;) {
    const marked = q.markAnswersFull.all({ before: row?.seq ?? null, scan: limits.leaseScanLimit, maxAnswers: limits.maxAnswersPerJob });
    for (const id of marked) capped(id);
    if (marked.length === 0 || row) return row;
    row = oldestFor(q, limits, worker);
  }
}
