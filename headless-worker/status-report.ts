// One human-readable line per worker for the periodic status report.
import type { WorkerStatus } from './supervised-worker.ts';

export function formatStatusLine(status: WorkerStatus): string {
  const failed = status.jobsFailed > 0 ? ` (${status.jobsFailed} failed)` : '';
  const msPerImage = status.msPerImage === undefined ? '-' : status.msPerImage.toFixed(1);
  return [
    status.name,
    status.browser,
    status.state,
    `backend=${status.backend ?? '-'}`,
    `jobs=${status.jobsDone}${failed}`,
    `ms/image=${msPerImage}`,
    `restarts=${status.restarts}`,
  ].join('  ');
}
