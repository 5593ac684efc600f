// npm run metrics:export -- --master <url> [--out results/live-<timestamp>] [--interval 5 --samples N]
//                         [--admin-token <token>, or ADMIN_TOKEN: a private board's stats are the admin's]
//
// Pulls a running master's GET /api/stats into CSV files, one per table
// (series, latency, histograms, workers, dispatch; workers: every worker
// connected, from GET /api/workers page by page, as the stats list only the
// busiest STATS_WORKERS_SHOWN). Every row starts with the
// sampledAt of its snapshot; with --samples N the master is polled N times,
// --interval seconds apart, and each snapshot is appended whole, so any one
// sample can be read back on its own. A poll that fails after the first is
// reported and skipped, a gap in the series; a first one that fails ends it.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Command, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import type { WorkerPage, WorkerView } from '../master/api-types.ts';
import type { StatsView } from '../master/stats-api-types.ts';
import { DEFAULT_MAX_WORKERS_PAGE } from '../master/config.ts';
import { positiveInteger, positiveNumber } from './option-parsers.ts';

export interface ExportOptions {
  masterUrl: string;
  /** Sent as a Bearer token: on a private board /api/stats answers the admin only. */
  adminToken?: string;
  outDir: string;
  intervalSeconds: number;
  samples: number;
  /** Workers asked for per page of GET /api/workers: at most the master's MAX_WORKERS_PAGE (see fetchWorkers when not given). */
  workersPage?: number | undefined;
  /** Called after each poll, with its error when it failed and was skipped (by default, that error is printed). */
  afterPoll?: (sample: number, skipped?: Error) => unknown;
}

export interface ExportResult {
  /** Samples written. */
  written: number;
  /** Polls that failed after the first and were skipped: gaps in the series. */
  skipped: number;
  /** The last sample written. */
  last: StatsView;
}

type Row = Record<string, string | number | boolean | null>;

interface Table {
  columns: string[];
  rows: Row[];
}

/** The tables of one snapshot, with every worker connected then; file name → columns and rows. */
export function statsTables(stats: StatsView, workers: WorkerView[]): Record<string, Table> {
  const sampledAt = stats.at;
  const latencyStages = Object.entries(stats.latencyMs);
  const histogramStages = Object.entries(stats.histogramsMs);
  const { dispatch } = stats;
  return {
    // Counts are per slot, from at to until: 5 s, but the last slot is still running at the sample and covers less (and
    // the first after the master started covers only the time since).
    'series.csv': {
      columns: ['sampledAt', 'at', 'until', 'submitted', 'completed', 'failed', 'queued', 'leased'],
      rows: stats.series.map((point, i) => ({ sampledAt, ...point, until: stats.series[i + 1]?.at ?? sampledAt })),
    },
    'latency.csv': {
      columns: ['sampledAt', 'stage', 'count', 'mean_ms', 'p50_ms', 'p90_ms', 'p99_ms', 'max_ms'],
      // The master sends zeros for a stage no job finished in its window (JSON has no NaN): no data, not 0 ms.
      rows: latencyStages.map(([stage, { count, mean, p50, p90, p99, max }]) => ({
        sampledAt,
        stage,
        count,
        mean_ms: count ? mean : null,
        p50_ms: count ? p50 : null,
        p90_ms: count ? p90 : null,
        p99_ms: count ? p99 : null,
        max_ms: count ? max : null,
      })),
    },
    'histograms.csv': {
      columns: ['sampledAt', 'stage', 'le_ms', 'count'],
      rows: histogramStages.flatMap(([stage, buckets]) => buckets.map((bucket) => ({ sampledAt, stage, le_ms: bucket.le ?? '+Inf', count: bucket.count }))),
    },
    'workers.csv': {
      columns: [
        'sampledAt',
        'id',
        'name',
        'kind',
        'backend',
        'model',
        'credit',
        'inFlight',
        'jobsDone',
        'jobsFailed',
        'meanInferenceMs',
        'connectedAt',
        'draining',
      ],
      rows: workers.map((worker) => ({ sampledAt, ...worker })),
    },
    'dispatch.csv': {
      columns: [
        'sampledAt',
        'dispatched',
        'completed',
        'failedAttempts',
        'reassignedLost',
        'reassignedExpired',
        'rejectedUnknownJob',
        'rejectedStaleLease',
        'rejectedNotYourLease',
      ],
      rows: [
        {
          sampledAt,
          dispatched: dispatch.dispatched,
          completed: dispatch.completed,
          failedAttempts: dispatch.failedAttempts,
          reassignedLost: dispatch.reassigned.lost,
          reassignedExpired: dispatch.reassigned.expired,
          rejectedUnknownJob: dispatch.rejected['unknown-job'],
          rejectedStaleLease: dispatch.rejected['stale-lease'],
          rejectedNotYourLease: dispatch.rejected['not-your-lease'],
        },
      ],
    },
  };
}

/** A refusal from the master, with the code of its error body (`{ error: { code } }`) when it has one. */
class Refused extends Error {
  readonly code: string | undefined;
  constructor(url: URL, status: number, body: string) {
    super(`${url} answered ${status}: ${body}`);
    this.code = errorCode(body);
  }
}

function errorCode(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

async function getJson<T>(masterUrl: string, path: string, adminToken?: string): Promise<T> {
  const url = new URL(path, masterUrl);
  const response = await fetch(url, { headers: adminToken ? { Authorization: `Bearer ${adminToken}` } : {} });
  if (!response.ok) throw new Refused(url, response.status, await response.text());
  return (await response.json()) as T;
}

export const fetchStats = (masterUrl: string, adminToken?: string) => getJson<StatsView>(masterUrl, '/api/stats', adminToken);

/**
 * Every worker connected to the master, page by page: each connected throughout the walk once. Without `pageSize`,
 * pages of DEFAULT_MAX_WORKERS_PAGE, or the master's own page size where its MAX_WORKERS_PAGE is lower (it refuses the
 * larger limit with bad-limit, and publishes its maximum nowhere else).
 */
export async function fetchWorkers(masterUrl: string, pageSize: number | undefined, adminToken?: string): Promise<WorkerView[]> {
  const workers: WorkerView[] = [];
  let limit: number | null = pageSize ?? DEFAULT_MAX_WORKERS_PAGE;
  let cursor: string | null = null;
  for (;;) {
    const query = new URLSearchParams();
    if (limit !== null) query.set('limit', String(limit));
    if (cursor !== null) query.set('cursor', cursor);
    let page: WorkerPage;
    try {
      page = await getJson(masterUrl, `/api/workers?${query}`, adminToken);
    } catch (error) {
      if (pageSize !== undefined || limit === null || !(error instanceof Refused && error.code === 'bad-limit')) throw error;
      limit = null;
      continue;
    }
    workers.push(...page.workers);
    if (page.nextCursor === null) return workers;
    cursor = page.nextCursor;
  }
}

/** Appends a table to its file, writing the header only when the file is new. */
function appendTable(file: string, { columns, rows }: Table): void {
  const header = !fs.existsSync(file);
  // Booleans as words: csv-stringify would write true as 1 and false as an empty field.
  fs.appendFileSync(file, stringify(rows, { columns, header, cast: { boolean: (value) => String(value) } }));
}

/**
 * Polls the master `samples` times and appends every snapshot. A later poll that fails is skipped, a gap in the
 * series (one failed request must not end a long export); a first one that fails ends it, as the master is then
 * unreachable, or refuses us, from the start.
 */
export async function exportStats({ afterPoll = printSkipped, ...options }: ExportOptions): Promise<ExportResult> {
  fs.mkdirSync(options.outDir, { recursive: true });
  let written = 0;
  let skipped = 0;
  let last: StatsView | undefined;
  const began = Date.now();
  for (let i = 0; i < options.samples; i++) {
    // Polls keep to a fixed schedule, so a slow answer does not push the later ones back.
    if (i > 0) await sleep(Math.max(0, began + i * options.intervalSeconds * 1000 - Date.now()));
    let stats: StatsView;
    let workers: WorkerView[];
    try {
      stats = await fetchStats(options.masterUrl, options.adminToken);
      workers = await fetchWorkers(options.masterUrl, options.workersPage, options.adminToken);
    } catch (error) {
      if (last === undefined) throw new Error(`the first poll of ${options.masterUrl} failed: ${describe(error)}`, { cause: error });
      skipped++;
      await afterPoll(i, new Error(describe(error)));
      continue;
    }
    for (const [file, table] of Object.entries(statsTables(stats, workers))) appendTable(path.join(options.outDir, file), table);
    written++;
    last = stats;
    await afterPoll(i);
  }
  return { written, skipped, last: last! };
}

/** An error's message, with its cause's code where fetch only says "fetch failed". */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  return cause ? `${error.message} (${cause.code ?? cause.message})` : error.message;
}

function printSkipped(sample: number, skipped?: Error): void {
  if (skipped) console.error(`metrics:export: sample ${sample + 1} skipped: ${skipped.message}`);
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('metrics:export')
    .description("Writes a running master's /api/stats to CSV files")
    .requiredOption('--master <url>', 'the master to read, e.g. http://127.0.0.1:8080')
    .option('--out <dir>', 'output folder', `results/live-${new Date().toISOString().replace(/[:.]/g, '-')}`)
    .addOption(new Option('--interval <seconds>', 'seconds between samples').default(5).argParser(positiveNumber))
    .addOption(new Option('--samples <n>', 'how many times to poll').default(1).argParser(positiveInteger))
    .addOption(
      new Option(
        '--workers-page <n>',
        `workers per page of GET /api/workers, at most the master's MAX_WORKERS_PAGE (default: ${DEFAULT_MAX_WORKERS_PAGE}, or the master's own page size where its MAX_WORKERS_PAGE is lower)`,
      ).argParser(positiveInteger),
    )
    .addOption(new Option('--admin-token <token>', "the master's ADMIN_TOKEN: a private board's statistics are the admin's").env('ADMIN_TOKEN'))
    .parse(argv);
  const opts = program.opts<{ master: string; out: string; interval: number; samples: number; workersPage?: number; adminToken?: string }>();
  const { written, skipped } = await exportStats({
    masterUrl: opts.master,
    outDir: opts.out,
    intervalSeconds: opts.interval,
    samples: opts.samples,
    workersPage: opts.workersPage,
    adminToken: opts.adminToken,
  });
  console.log(`wrote ${written} sample(s) of ${opts.master} to ${opts.out}${skipped ? `; ${skipped} failed poll(s) skipped` : ''}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
