import type { WorkerView } from '../../../master/api-types.ts';

/** The worker list after a "workers-changed" event: changed workers replaced in place or added at the end, those that left removed. */
export function applyWorkerChanges(workers: readonly WorkerView[], changed: readonly WorkerView[], left: readonly string[]): WorkerView[] {
  const latest = new Map(changed.map((worker) => [worker.id, worker]));
  const gone = new Set(left);
  const next = workers.filter((worker) => !gone.has(worker.id)).map((worker) => latest.get(worker.id) ?? worker);
  const known = new Set(next.map((worker) => worker.id));
  for (const worker of changed) if (!known.has(worker.id) && !gone.has(worker.id)) next.push(worker);
  return next;
}
