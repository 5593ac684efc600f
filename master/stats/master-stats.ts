// A master's statistics: the /api/stats collector and the /metrics registry,
// sharing one reader of the store's job counts, started and stopped together.
import type { BoardStreams } from '../events/board-streams.ts';
import type { LiveEvents } from '../events/live-events.ts';
import type { HubCounters } from '../hub/worker-hub.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import type { Logger } from '../log.ts';
import type { JobStore } from '../store/job-store.ts';
import { PrometheusMetrics } from './prometheus-metrics.ts';
import { QueueDepth } from './queue-depth.ts';
import { StatsCollector } from './stats-collector.ts';

export interface MasterStats {
  collector: StatsCollector;
  prometheus: PrometheusMetrics;
  /** Unsubscribes from events and clears the sampling timer. */
  stop(): void;
}

export interface MasterStatsDeps {
  store: JobStore;
  events: LiveEvents;
  boards: BoardStreams;
  lifecycle: JobLifecycle;
  workers: WorkerRegistry;
  hubCounters: HubCounters;
  log: Logger;
  /** Most workers /api/stats lists (STATS_WORKERS_SHOWN). */
  workersShown: number;
}

export function startMasterStats({ store, events, boards, lifecycle, workers, hubCounters, log, workersShown }: MasterStatsDeps): MasterStats {
  const queueDepth = new QueueDepth(store, log);
  const collector = new StatsCollector({ events, lifecycle, workers, queueDepth, workersShown });
  const prometheus = new PrometheusMetrics({ store, events, boards, lifecycle, workers, hubCounters, queueDepth });
  collector.start();
  prometheus.start();
  return {
    collector,
    prometheus,
    stop() {
      collector.stop();
      prometheus.stop();
    },
  };
}
