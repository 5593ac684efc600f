// Shapes of GET /api/stats, the master's live statistics, shared with the web app's stats page.
// Kept apart from api-types.ts as they are the measurements' own vocabulary (distributions,
// histograms, latency stages); registered for OpenAPI the same way, through a meta id.
import { z } from 'zod';
import { timestamp, WorkerView } from './api-types.ts';
import { JOB_TRANSITIONS } from './lifecycle/job-events.ts';
import { PAGE_STAGES, type PageStage } from './protocol.ts';

export const Distribution = z.object({
  count: z.number().int(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
});
export type Distribution = z.infer<typeof Distribution>;

/** Cumulative histogram bucket: how many observations were ≤ `le` ms (Prometheus style; the last has le = +Inf as null). */
export const HistogramBucket = z.object({ le: z.number().nullable(), count: z.number().int() });
export type HistogramBucket = z.infer<typeof HistogramBucket>;

export const LatencyStage = z.enum(['queue', 'inference', 'endToEnd']);
export type LatencyStage = z.infer<typeof LatencyStage>;

const byStage = <T extends z.ZodType>(value: T) => z.object({ queue: value, inference: value, endToEnd: value });
const countsByStatus = z.object({ queued: z.number().int(), leased: z.number().int(), done: z.number().int(), failed: z.number().int() });
const byReason = <K extends string>(reasons: readonly [K, ...K[]]) =>
  z.object(Object.fromEntries(reasons.map((reason) => [reason, z.number().int()])) as Record<K, z.ZodNumber>);

/** GET /api/stats: this master's live statistics. */
export const StatsView = z
  .object({
    at: timestamp,
    uptimeSeconds: z.number(),
    jobs: countsByStatus,
    series: z
      .array(
        z.object({
          at: timestamp,
          submitted: z.number().int(),
          completed: z.number().int(),
          failed: z.number().int(),
          queued: z.number().int(),
          leased: z.number().int(),
        }),
      )
      .describe('One point per 5 s over the last 10 minutes, oldest first.'),
    latencyMs: byStage(Distribution).describe('Over the jobs completed in the last 10 minutes.'),
    histogramsMs: byStage(z.array(HistogramBucket)),
    pageStagesMs: z
      .object(Object.fromEntries(PAGE_STAGES.map((stage) => [stage, z.number().nullable()])) as Record<PageStage, z.ZodNullable<z.ZodNumber>>)
      .describe(
        'Mean ms per image in each stage inside the worker pages, over the jobs completed in the last 10 minutes whose page measured them; null with none.',
      ),
    workers: z
      .array(WorkerView)
      .describe(
        'At most STATS_WORKERS_SHOWN of the workers connected to this master (50 unless set): those with most jobs done, the longest connected first among equals.',
      ),
    workersConnected: z
      .number()
      .int()
      .describe('How many workers are connected to this master, those listed and the rest (GET /api/workers lists them all, a page at a time).'),
    dispatch: z.object({
      dispatched: z.number().int(),
      completed: z.number().int(),
      replicasAsked: z.number().int().describe("Volunteers' answers kept as votes while the job went to another identity for agreement."),
      failedAttempts: z
        .number()
        .int()
        .describe("Attempts that ended failing: a worker's failure, and the master's own image-missing verdict on a job whose stored image is gone."),
      reassigned: byReason(['lost', 'expired']),
      rejected: byReason(['unknown-job', 'stale-lease', 'not-your-lease']),
      spotChecks: byReason(['given', 'passed', 'failed']).describe(
        'Gold images handed to volunteers in place of a job (GOLD_DIR), and how their answers fared.',
      ),
      blacklisted: byReason(['spot-check', 'outvoted']).describe(
        'Volunteer identities this master blacklisted, by what caught them: a wrong answer to a spot check, or outvoted far beyond honest disagreement (MAX_OUTVOTED_SHARE). The jobs finished on their word went back to verification (transitions.reopened).',
      ),
      sent: z
        .object({ images: z.number().int(), bytes: z.number().int() })
        .describe('Images this master pushed to workers (jobs and spot checks) and their bytes: prepared images, or originals for jobs stored before.'),
    }),
    transitions: byReason(JOB_TRANSITIONS).describe('Job transitions this master applied since it started, by name (recovered: leases requeued on start).'),
  })
  .meta({ id: 'StatsView' });
export type StatsView = z.infer<typeof StatsView>;
