// Keeps one named worker alive: relaunches its browser, with backoff, when the
// browser dies, the page crashes, or the page stays in 'error'; gives up when the master refuses the fleet token.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Backoff, type BackoffPolicy } from '../common/backoff.ts';
import type { BrowserName } from './browsers.ts';
import { HeadlessWorker, type HeadlessWorkerOptions } from './headless-worker.ts';
import type { PageState, PageStatus } from './page-status.ts';

export interface RestartPolicy {
  /** Delays before relaunching a worker that keeps dying, so a broken master or browser is not hammered. */
  backoff: BackoffPolicy;
  /** The backoff starts over once a worker has stayed ready this long. */
  resetAfterReadyMs: number;
  /** A page may recover from 'error' by itself; after this long in it, it is relaunched. */
  errorGraceMs: number;
  /** A loaded page that has not told its status for this long (its main thread hung, or it never started) is relaunched; noticed at the next poll, which may itself wait out a status read. */
  silentPageMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  // Jittered, so that workers that died together (their master restarting) do not relaunch together.
  backoff: { initialMs: 1_000, maxMs: 30_000, jitter: true },
  resetAfterReadyMs: 60_000,
  errorGraceMs: 10_000,
  silentPageMs: 60_000,
};

/** The page's own state while it runs; otherwise where the supervisor is in the worker's life. */
export type WorkerState = PageState | 'launching' | 'waiting-to-restart' | 'closed';

export interface WorkerStatus extends Omit<PageStatus, 'state'> {
  name: string;
  browser: BrowserName;
  state: WorkerState;
  /** The browser's main process, while it runs. */
  pid: number | undefined;
  /** How many times the browser was relaunched. */
  restarts: number;
  /** Why the last browser died or failed to start, if one did. */
  lastFailure?: string;
}

export interface SupervisedWorkerOptions extends Omit<HeadlessWorkerOptions, 'onStatus' | 'onDeath'> {
  restartPolicy: RestartPolicy;
  /** Called once if the master refuses the fleet token; the worker has stopped for good, and says why in lastFailure. */
  onRefused: (failure: string) => void;
}

/** The failure of a page the master refused: every relaunch would be refused again, so it is the operator's to fix. */
export const FLEET_TOKEN_REFUSED = "the master refused the fleet token: check that FLEET_TOKEN is the master's";

type Phase = 'launching' | 'running' | 'waiting-to-restart' | 'closed';

export class SupervisedWorker {
  readonly name: string;
  readonly #options: SupervisedWorkerOptions;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #stopping = new AbortController();
  #phase: Phase = 'launching';
  #worker: HeadlessWorker | undefined;
  #endLife: ((reason: string) => void) | undefined;
  #restarts = 0;
  #lastFailure: string | undefined;
  #lastState: WorkerState | undefined;
  #stateSince = Date.now();
  #supervising: Promise<void> | undefined;

  constructor(options: SupervisedWorkerOptions) {
    this.name = options.name;
    this.#options = options;
    this.#log = options.logger;
    this.#backoff = new Backoff(options.restartPolicy.backoff);
  }

  get pid(): number | undefined {
    return this.#phase === 'running' ? this.#worker?.pid : undefined;
  }

  status(): WorkerStatus {
    const page = this.#phase === 'running' ? this.#worker?.pageStatus : undefined;
    return {
      jobsDone: 0,
      jobsFailed: 0,
      ...page,
      name: this.name,
      browser: this.#options.browser,
      state: this.#currentState(),
      pid: this.pid,
      restarts: this.#restarts,
      ...(this.#lastFailure ? { lastFailure: this.#lastFailure } : {}),
    };
  }

  /** Simulates a crash by SIGKILLing the browser; the supervisor will relaunch it. */
  kill(): void {
    this.#worker?.kill();
  }

  start(): void {
    this.#supervising ??= this.#superviseUntilStopped();
  }

  /** Closes the browser for good; resolves once its processes and profile are gone. */
  async stop(): Promise<void> {
    this.#stopping.abort();
    this.#endLife?.('fleet stopping');
    void this.#worker?.close(); // also interrupts a launch in progress
    await this.#supervising;
    this.#setPhase('closed');
  }

  async #superviseUntilStopped(): Promise<void> {
    const { signal } = this.#stopping;
    for (;;) {
      await this.#liveOnce();
      if (signal.aborted) return;
      const delayMs = this.#backoff.nextDelayMs();
      this.#log.info(`relaunching in ${Math.round(delayMs)} ms`); // jittered delays have fractions
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      this.#restarts++;
    }
  }

  /** One browser, from launch until it dies or the fleet stops. */
  async #liveOnce(): Promise<void> {
    let endLife!: (reason: string) => void;
    const ended = new Promise<string>((resolve) => (endLife = resolve));
    this.#endLife = endLife;
    const worker = new HeadlessWorker({
      ...this.#options,
      onStatus: (status) => this.#onPageStatus(status),
      onDeath: endLife,
    });
    this.#worker = worker;
    this.#setPhase('launching');
    try {
      await worker.start();
      this.#setPhase('running');
      this.#log.info({ browserPid: worker.pid }, 'browser launched and worker page loaded');
      const reason = await ended;
      if (!this.#stopping.signal.aborted) this.#fail('warn', `worker lost: ${reason}`);
    } catch (err) {
      if (!this.#stopping.signal.aborted) this.#fail('error', `launch failed: ${errorMessage(err)}`);
    } finally {
      this.#setPhase(this.#stopping.signal.aborted ? 'closed' : 'waiting-to-restart');
      // A profile that cannot be removed is left behind, said once: it must not end the supervision (and the fleet).
      await worker.close().catch((err: unknown) => this.#log.warn(`could not clean up after the browser: ${errorMessage(err)}`));
    }
  }

  #fail(level: 'warn' | 'error', failure: string): void {
    this.#lastFailure = failure;
    this.#log[level](failure);
  }

  #onPageStatus(status: PageStatus | undefined): void {
    this.#noteState();
    const { resetAfterReadyMs, errorGraceMs, silentPageMs } = this.#options.restartPolicy;
    const silentForMs = this.#worker?.silentForMs ?? 0;
    if (silentForMs >= silentPageMs) {
      this.#endLife?.(`page silent for ${Math.round(silentForMs / 1000)} s (its status could not be read)`);
      return;
    }
    if (!status) return;
    if (status.refused) {
      this.#refuse();
      return;
    }
    const stateAgeMs = Date.now() - this.#stateSince;
    if (status.state === 'ready' && stateAgeMs >= resetAfterReadyMs) this.#backoff.reset();
    if (status.state === 'error' && stateAgeMs >= errorGraceMs) {
      this.#endLife?.(`page stuck in 'error' for ${Math.round(stateAgeMs / 1000)} s: ${status.lastError ?? 'no error message'}`);
    }
  }

  /** Stops for good, as the page did: relaunching would only be refused again. */
  #refuse(): void {
    if (this.#stopping.signal.aborted) return;
    this.#lastFailure = FLEET_TOKEN_REFUSED;
    this.#stopping.abort();
    this.#endLife?.('refused');
    this.#options.onRefused(FLEET_TOKEN_REFUSED);
  }

  #setPhase(phase: Phase): void {
    this.#phase = phase;
    this.#noteState();
  }

  #currentState(): WorkerState {
    if (this.#phase !== 'running') return this.#phase;
    return this.#worker?.pageStatus?.state ?? 'launching';
  }

  /** Logs state changes and remembers when the current state began. */
  #noteState(): void {
    const state = this.#currentState();
    if (state === this.#lastState) return;
    const from = this.#lastState;
    this.#lastState = state;
    this.#stateSince = Date.now();
    const { backend, backendReason, lastError } = this.status();
    // Error and connecting say the page's last problem: why it is in error, and why it is connecting again. A page
    // stopped for good (its fleet token refused) has said why already, at error level, once.
    const saysWhy = (state === 'error' || state === 'connecting') && lastError;
    const detail = state === 'ready' ? ` (backend ${backend ?? 'unknown'}${backendReason ? `: ${backendReason}` : ''})` : saysWhy ? `: ${lastError}` : '';
    this.#log.info({ from, to: state }, `state ${from ?? 'new'} -> ${state}${detail}`);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
