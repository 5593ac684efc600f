// GET /metrics: this master's counters, gauges and latency histograms in the
// Prometheus text format. The registry is this master's own, so several masters
// in one process (tests, benches) never clash.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LatencyStage } from '../stats-api-types.ts';
import type { BoardStreams } from '../events/board-streams.ts';
import type { LiveEvents } from '../events/live-events.ts';
import type { HubCounters } from '../hub/worker-hub.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';
import type { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import type { JobStore } from '../store/job-store.ts';
import { jobOutcome } from './job-outcomes.ts';
import { LATENCY_BOUNDS_MS } from './latency-histogram.ts';
import { byStage, LATENCY_STAGES } from './latency-stages.ts';
import type { QueueDepth } from './queue-depth.ts';

export interface PrometheusMetricsDeps {
  store: JobStore;
  events: LiveEvents;
  boards: BoardStreams;
  lifecycle: JobLifecycle;
  workers: WorkerRegistry;
  /** What the hub refused of worker sockets: an operator under attack sees it here. */
  hubCounters: HubCounters;
  queueDepth: QueueDepth;
}

const STAGE_METRIC: Record<LatencyStage, { name: string; help: string }> = {
  queue: { name: 'browser_grid_job_queue_seconds', help: 'Time from submission until the final attempt started, of completed jobs.' },
  inference: { name: 'browser_grid_job_inference_seconds', help: 'Inference time the worker reported, of completed jobs.' },
  endToEnd: { name: 'browser_grid_job_end_to_end_seconds', help: 'Time from submission until the result was stored, of completed jobs.' },
};

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly submitted: Counter;
  private readonly completed: Counter;
  private readonly failed: Counter;
  private readonly latencySeconds: Record<LatencyStage, Histogram>;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly deps: PrometheusMetricsDeps) {
    const registers = [this.registry];
    this.submitted = new Counter({
      name: 'browser_grid_jobs_submitted_total',
      help: 'Jobs that entered the queue afresh on this master: uploads, and failed jobs retried.',
      registers,
    });
    this.completed = new Counter({ name: 'browser_grid_jobs_completed_total', help: 'Jobs done, with a stored result.', registers });
    this.failed = new Counter({ name: 'browser_grid_jobs_failed_total', help: 'Jobs failed for good.', registers });
    // The same bounds as /api/stats, in seconds.
    const buckets = LATENCY_BOUNDS_MS.map((ms) => ms / 1000);
    this.latencySeconds = byStage((stage) => new Histogram({ ...STAGE_METRIC[stage], buckets, registers }));
    this.mirrorCounters();
    this.addGauges();
  }

  start(): void {
    this.unsubscribe = this.deps.events.subscribeLocal((event) => {
      if (event.type !== 'job') return;
      const outcome = jobOutcome(event);
      switch (outcome?.kind) {
        case 'submitted':
          this.submitted.inc();
          break;
        case 'failed':
          this.failed.inc();
          break;
        case 'completed': {
          this.completed.inc();
          const { latencyMs } = outcome;
          if (latencyMs) for (const stage of LATENCY_STAGES) this.latencySeconds[stage].observe(latencyMs[stage] / 1000);
          break;
        }
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The lifecycle and the hub count for themselves: their counts are read at scrape time rather than counted twice. */
  private mirrorCounters(): void {
    const { transitions, rejected, spotChecks, blacklisted } = this.deps.lifecycle.counters;
    const hub = this.deps.hubCounters;
    const registers = [this.registry];
    const mirror = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    const mirrorByReason = (name: string, help: string, read: () => Record<string, number>) =>
      new Counter({
        name,
        help,
        labelNames: ['reason'],
        registers,
        collect() {
          this.reset();
          for (const [reason, count] of Object.entries(read())) this.inc({ reason }, count);
        },
      });
    mirror('browser_grid_leases_dispatched_total', 'Jobs leased to a worker.', () => transitions.leased);
    mirror('browser_grid_attempts_failed_total', 'Attempts a worker reported as failed (the job may be retried).', () => transitions.failed);
    mirrorByReason('browser_grid_leases_reassigned_total', 'Leases ended without an answer (worker lost, lease expired).', () => ({
      lost: transitions.lost,
      expired: transitions.expired,
    }));
    mirrorByReason('browser_grid_answers_rejected_total', 'Worker answers refused by fencing and never written.', () => rejected);
    mirrorByReason('browser_grid_spot_checks_total', 'Spot checks (gold images) handed to volunteers (given), and answered right or wrong.', () => ({
      ...spotChecks,
    }));
    mirrorByReason('browser_grid_volunteers_blacklisted_total', 'Volunteer identities blacklisted by this master, by what caught them.', () => blacklisted);
    mirror('browser_grid_worker_messages_malformed_total', 'Worker messages refused as malformed (each answered with an error).', () => hub.badMessages);
    mirrorByReason('browser_grid_worker_sockets_cut_off_total', 'Worker sockets this master hung up on or cut off, by why.', () => ({
      'heartbeat-timeout': hub.heartbeatTimeouts,
      'too-fast': hub.tooFast,
      'too-many-in-flight': hub.tooManyInFlight,
      'not-reading': hub.notReading,
      'too-many-malformed': hub.tooManyMalformed,
      'too-many-refused-answers': hub.tooManyRefused,
      blacklisted: hub.blacklisted,
    }));
  }

  private addGauges(): void {
    const { store, boards, workers, queueDepth, lifecycle } = this.deps;
    const registers = [this.registry];
    new Gauge({
      name: 'browser_grid_queue_depth',
      help: 'Jobs waiting for a worker (queued) and held by one (leased), in the whole store.',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await queueDepth.sample();
        if (!counts) return;
        this.set({ status: 'queued' }, counts.queued);
        this.set({ status: 'leased' }, counts.leased);
      },
    });
    new Gauge({
      name: 'browser_grid_store_reachable',
      help: 'Whether the job store answered a ping at scrape time (1) or not (0).',
      registers,
      async collect() {
        this.set(
          await store.ping().then(
            () => 1,
            () => 0,
          ),
        );
      },
    });
    new Gauge({
      name: 'browser_grid_event_streams_connected',
      help: 'Boards holding the live event stream (GET /api/events) open on this master.',
      registers,
      collect() {
        this.set(boards.size);
      },
    });
    new Gauge({
      name: 'browser_grid_event_stream_buffered_bytes',
      help: 'Bytes written to live event streams that their sockets have not sent yet.',
      registers,
      collect() {
        this.set(boards.bufferedBytes);
      },
    });
    new Gauge({
      name: 'browser_grid_answer_judgings_pending',
      help: 'Answers whose judging (a spot check, the volunteers of a job, waiting votes) still waits on the identity store.',
      registers,
      collect() {
        this.set(lifecycle.pendingFollowUps);
      },
    });
    new Gauge({
      name: 'browser_grid_workers_connected',
      help: 'Workers connected to this master.',
      labelNames: ['kind', 'backend'],
      registers,
      collect() {
        this.reset();
        for (const { hello } of workers.all) this.inc({ kind: hello.kind, backend: hello.backend });
      },
    });
  }
}
