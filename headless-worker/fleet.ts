// N supervised headless workers on one master: start, report, wait, stop.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { KnownBackend } from '../master/protocol.ts';
import { resolveBrowserPath, type BrowserName } from './browsers.ts';
import { withoutPassword } from './headless-worker.ts';
import { createLogger } from './logger.ts';
import { removeStaleProfiles } from './stale-profiles.ts';
import { statusRecord, ThroughputMeter, type ReportedStatus } from './status-report.ts';
import { DEFAULT_RESTART_POLICY, SupervisedWorker, type RestartPolicy, type WorkerStatus } from './supervised-worker.ts';

const READY_CHECK_INTERVAL_MS = 100;

export interface FleetOptions {
  /** Base URL of the master, e.g. http://127.0.0.1:5000 */
  masterUrl: string;
  workers: number;
  /** The master's FLEET_TOKEN: the workers then join as trusted. Without it they are volunteers. */
  fleetToken?: string;
  /** Which browser every worker runs. Default chromium. */
  browser?: BrowserName;
  /** The browser's executable; defaults to CHROMIUM_PATH or FIREFOX_PATH, then the Debian package's path. */
  executablePath?: string;
  /** Workers are named `${namePrefix}-1` … `${namePrefix}-N`. Default "headless". */
  namePrefix?: string;
  /** A TF.js backend every page uses instead of the fastest it has (for measuring how backends disagree). */
  backend?: KnownBackend;
  /**
   * TF.js environment flags every page starts with, in the form TF.js reads from a page's URL (`tfjsflags`):
   * e.g. `WEBGL_FORCE_F16_TEXTURES:true` makes WebGL keep tensors in half floats, as GPUs without float32
   * render targets do. For measurements; a worker needs none.
   */
  tfjsFlags?: string;
  /** Extra browser flags, e.g. --enable-unsafe-webgpu for Chromium. */
  extraArgs?: readonly string[];
  logger?: Logger;
  /** Report every worker's status this often; 0 (the default) turns the report off. */
  statusIntervalMs?: number;
  /** Called once the fleet has stopped by itself, for a failure no relaunch can fix (the master refused the fleet token). */
  onFatal?: (failure: string) => void;
  /** Where reports go; by default one JSON log line per worker. */
  onReport?: (statuses: ReportedStatus[]) => void;
  /** How often each worker page is asked for its status. Default 1000. */
  pollIntervalMs?: number;
  restartPolicy?: Partial<RestartPolicy>;
}

/** What callers (and tests) may do with one worker of a fleet. */
export interface FleetWorker {
  readonly name: string;
  /** The browser's main process while it runs. */
  readonly pid: number | undefined;
  status(): WorkerStatus;
  /** SIGKILLs the browser to simulate a crash; the fleet relaunches it. */
  kill(): void;
}

export interface Fleet {
  readonly workers: readonly FleetWorker[];
  /** Resolves when every worker page reports 'ready'; rejects after timeoutMs naming the laggards, or once the fleet stopped. */
  waitUntilReady(timeoutMs: number): Promise<void>;
  /** Closes every browser and removes their profiles. Safe to call repeatedly. */
  stop(): Promise<void>;
}

/** Launches the workers in the background and returns at once; throws if the browser or the options are unusable. */
export function startFleet(options: FleetOptions): Fleet {
  if (!Number.isInteger(options.workers) || options.workers < 1) {
    throw new Error(`workers must be a positive integer, got ${options.workers}`);
  }
  const browser = options.browser ?? 'chromium';
  const executablePath = resolveBrowserPath(browser, { explicitPath: options.executablePath });
  const logger = options.logger ?? createLogger();
  const namePrefix = options.namePrefix ?? 'headless';
  const restartPolicy: RestartPolicy = {
    ...DEFAULT_RESTART_POLICY,
    ...options.restartPolicy,
    backoff: { ...DEFAULT_RESTART_POLICY.backoff, ...options.restartPolicy?.backoff },
  };
  let fatal: string | undefined;
  // Every worker presents the same token: one refusal is the whole fleet's, told once.
  const onRefused = (failure: string) => {
    if (fatal) return;
    fatal = failure;
    logger.error(failure);
    void stop().then(() => options.onFatal?.(failure));
  };
  const workers = Array.from({ length: options.workers }, (_, i) => {
    const name = `${namePrefix}-${i + 1}`;
    return new SupervisedWorker({
      name,
      pageUrl: workerPageUrl(options.masterUrl, name, { backend: options.backend, tfjsFlags: options.tfjsFlags }),
      ...(options.fleetToken ? { fleetToken: options.fleetToken } : {}),
      browser,
      executablePath,
      extraArgs: options.extraArgs,
      logger: logger.child({ worker: name }),
      pollIntervalMs: options.pollIntervalMs ?? 1_000,
      restartPolicy,
      onRefused,
    });
  });

  logger.info({ browser, executablePath, masterUrl: withoutPassword(options.masterUrl) }, `starting ${workers.length} headless ${browser} worker(s)`);
  for (const worker of workers) worker.start();
  // Beside the launches: it removes no profile whose browser runs or is still starting.
  void removeStaleProfiles().then(
    ({ removed, failed }) => {
      if (removed) logger.info(`removed ${removed} browser profile(s) left in TMPDIR by a fleet that was killed`);
      for (const { profile, reason } of failed) logger.warn(`could not remove the browser profile ${profile} a killed fleet left: ${reason}`);
    },
    (err: unknown) => logger.warn(`could not remove the profiles a killed fleet left: ${err instanceof Error ? err.message : String(err)}`),
  );
  const meter = new ThroughputMeter();
  const onReport = options.onReport ?? ((statuses: ReportedStatus[]) => logStatus(statuses, logger));
  const report = options.statusIntervalMs
    ? setInterval(
        () =>
          onReport(
            meter.measure(
              workers.map((w) => w.status()),
              Date.now(),
            ),
          ),
        options.statusIntervalMs,
      )
    : undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(report);
      await Promise.all(workers.map((w) => w.stop()));
      logger.info('all headless workers stopped');
    })());

  return {
    workers,
    async waitUntilReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const notReady = workers.map((w) => w.status()).filter((s) => s.state !== 'ready');
        if (notReady.length === 0) return;
        if (stopping) throw new Error(`fleet stopped before all workers were ready${fatal ? `: ${fatal}` : ''}`);
        if (Date.now() >= deadline) {
          throw new Error(`workers not ready after ${timeoutMs} ms: ${notReady.map(describeNotReady).join('; ')}`);
        }
        await sleep(READY_CHECK_INTERVAL_MS);
      }
    },
    stop,
  };
}

/** `${master}/worker?autostart=1&kind=headless&name=…[&backend=…][&tfjsflags=…]`, keeping any path prefix the master sits under. */
export function workerPageUrl(masterUrl: string, name: string, { backend, tfjsFlags }: Pick<FleetOptions, 'backend' | 'tfjsFlags'> = {}): string {
  let base: URL;
  try {
    base = new URL(masterUrl.endsWith('/') ? masterUrl : `${masterUrl}/`);
  } catch {
    throw new Error(`master URL is not a valid URL: ${masterUrl}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`master URL must be http(s), got ${masterUrl}`);
  }
  const url = new URL('worker', base);
  url.search = new URLSearchParams({
    autostart: '1',
    kind: 'headless',
    name,
    ...(backend ? { backend } : {}),
    ...(tfjsFlags ? { tfjsflags: tfjsFlags } : {}),
  }).toString();
  return url.toString();
}

function logStatus(statuses: readonly ReportedStatus[], logger: Logger): void {
  for (const status of statuses) logger.info({ status: statusRecord(status) }, 'status');
}

function describeNotReady(status: WorkerStatus): string {
  const details = [status.lastError, status.restarts ? `${status.restarts} restart(s), last: ${status.lastFailure}` : status.lastFailure].filter(Boolean);
  return `${status.name} is ${status.state}${details.length ? ` (${details.join('; ')})` : ''}`;
}
