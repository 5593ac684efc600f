// Which workers GET /api/stats lists: a public board lets anyone poll it, so it names at most
// STATS_WORKERS_SHOWN of them (the busiest) and counts the rest.
import type { StatsView } from '../stats-api-types.ts';
import type { WorkerSession } from '../hub/worker-session.ts';

/** The `shown` workers with most jobs done (the longest connected first among equals), as views, and how many are connected. */
export function workersShown(sessions: readonly WorkerSession[], shown: number): Pick<StatsView, 'workers' | 'workersConnected'> {
  const busiest = [...sessions].sort((a, b) => b.jobsDone - a.jobsDone || a.connectedAt - b.connectedAt).slice(0, shown);
  // Only those shown are turned into views: a view of each of ten thousand workers would be most of the cost.
  return { workers: busiest.map((session) => session.view()), workersConnected: sessions.length };
}
