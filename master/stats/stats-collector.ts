// GET /api/stats: this master's last ten minutes in 5-second slots, built from
// its own job events (subscribeLocal: with several masters each counts its own work).
import type { LatencyStage, StatsView } from '../stats-api-types.ts';
import type { LiveEvents } from '../events/live-events.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { JobChanged } from '../lifecycle/job-events.ts';
import type { JobLifecycle, LifecycleCounters } from '../lifecycle/job-lifecycle.ts';
import { PAGE_STAGES, type PageStage } from '../protocol.ts';
import type { StatusCounts } from '../store/job-store.ts';
import { jobOutcome } from './job-outcomes.ts';
import { LatencyRecord, summarize } from './latency-record.ts';
import { byStage, LATENCY_STAGES } from './latency-stages.ts';
import type { QueueDepth } from './queue-depth.ts';
import { RollingWindow } from './rolling-window.ts';
import { workersShown } from './workers-shown.ts';

const SLOT_MS = 5_000;
/** Ten minutes of slots. */
const WINDOW_SLOTS = 120;

interface Slot {
  submitted: number;
  completed: number;
  failed: number;
  /** The last job counts read during the slot; null when no read fell in it. */
  depth: StatusCounts | null;
  /** Latencies of the jobs completed during the slot. */
  latencyMs: Record<LatencyStage, LatencyRecord>;
  /** Sums of the page stages of the jobs completed during the slot whose page measured them, and how many. */
  pageStages: { sumsMs: Record<PageStage, number>; jobs: number };
}

const emptySlot = (): Slot => ({
  submitted: 0,
  completed: 0,
  failed: 0,
  depth: null,
  latencyMs: byStage(() => new LatencyRecord()),
  pageStages: { sumsMs: pageStagesOf(() => 0), jobs: 0 },
});

const pageStagesOf = <T>(make: (stage: PageStage) => T) => Object.fromEntries(PAGE_STAGES.map((stage) => [stage, make(stage)])) as Record<PageStage, T>;

const NO_JOBS: StatusCounts = { queued: 0, leased: 0, done: 0, failed: 0 };

export interface StatsCollectorDeps {
  events: LiveEvents;
  lifecycle: JobLifecycle;
  workers: WorkerRegistry;
  queueDepth: QueueDepth;
  /** Most workers a view lists (STATS_WORKERS_SHOWN). */
  workersShown: number;
}

/** The dispatch counters of /api/stats, read off the transitions this master applied. */
export function dispatchCounters({ transitions, rejected, spotChecks, blacklisted, sent }: LifecycleCounters): StatsView['dispatch'] {
  return {
    dispatched: transitions.leased,
    completed: transitions.completed,
    replicasAsked: transitions.answered,
    failedAttempts: transitions.failed,
    reassigned: { lost: transitions.lost, expired: transitions.expired },
    rejected: { ...rejected },
    spotChecks: { ...spotChecks },
    blacklisted: { ...blacklisted },
    sent: { ...sent },
  };
}

export class StatsCollector {
  private readonly window = new RollingWindow(SLOT_MS, WINDOW_SLOTS, emptySlot);
  private readonly startedAt = Date.now();
  private unsubscribe: (() => void) | null = null;
  private sampler: NodeJS.Timeout | null = null;

  constructor(private readonly deps: StatsCollectorDeps) {}

  start(): void {
    this.unsubscribe = this.deps.events.subscribeLocal((event) => {
      if (event.type === 'job') this.record(event);
    });
    void this.sampleDepth();
    // Unref'd so that a stats timer alone never keeps a process alive; stop() still clears it.
    this.sampler = setInterval(() => void this.sampleDepth(), SLOT_MS).unref();
  }

  stop(): void {
    this.unsubscribe?.();
    if (this.sampler) clearInterval(this.sampler);
    this.unsubscribe = null;
    this.sampler = null;
  }

  async view(): Promise<StatsView> {
    const jobs = (await this.sampleDepth()) ?? NO_JOBS;
    const now = Date.now();
    // Slots from before this master started would only be made-up zeros.
    const slots = this.window.slots(now, this.startedAt);
    // A slot no read fell in (timer jitter, or the store away) shows the depth last known before it.
    let depth = slots.find((slot) => slot.value.depth)?.value.depth ?? NO_JOBS;
    const series = slots.map(({ start, value }) => {
      depth = value.depth ?? depth;
      const { submitted, completed, failed } = value;
      return { at: new Date(start).toISOString(), submitted, completed, failed, queued: depth.queued, leased: depth.leased };
    });
    const summaries = byStage((stage) => summarize(slots.map((slot) => slot.value.latencyMs[stage])));
    return {
      at: new Date(now).toISOString(),
      uptimeSeconds: Math.floor((now - this.startedAt) / 1000),
      jobs,
      series,
      latencyMs: byStage((stage) => summaries[stage].distribution),
      histogramsMs: byStage((stage) => summaries[stage].histogram),
      pageStagesMs: meanPageStages(slots.map((slot) => slot.value.pageStages)),
      ...workersShown(this.deps.workers.all, this.deps.workersShown),
      dispatch: dispatchCounters(this.deps.lifecycle.counters),
      transitions: { ...this.deps.lifecycle.counters.transitions },
    };
  }

  private record(event: JobChanged): void {
    const outcome = jobOutcome(event);
    if (!outcome) return;
    const slot = this.window.at(Date.now());
    switch (outcome.kind) {
      case 'submitted':
        slot.submitted += 1;
        break;
      case 'failed':
        slot.failed += 1;
        break;
      case 'completed': {
        slot.completed += 1;
        const { latencyMs } = outcome;
        if (latencyMs) for (const stage of LATENCY_STAGES) slot.latencyMs[stage].add(latencyMs[stage]);
        const stages = event.job.result?.stages;
        if (stages) {
          slot.pageStages.jobs += 1;
          for (const stage of PAGE_STAGES) slot.pageStages.sumsMs[stage] += stages[stage];
        }
        break;
      }
    }
  }

  private async sampleDepth(): Promise<StatusCounts | null> {
    const counts = await this.deps.queueDepth.sample();
    if (counts) this.window.at(Date.now()).depth = counts;
    return counts;
  }
}

function meanPageStages(slots: Slot['pageStages'][]): StatsView['pageStagesMs'] {
  const jobs = slots.reduce((sum, slot) => sum + slot.jobs, 0);
  return pageStagesOf((stage) => (jobs === 0 ? null : slots.reduce((sum, slot) => sum + slot.sumsMs[stage], 0) / jobs));
}
