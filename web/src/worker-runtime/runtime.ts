import { ErrorCode, PROTOCOL_VERSION, type DonorLimits, type HelloMessage, type JobHeader, type MasterMessage } from '../../../master/protocol.ts';
import { Backoff } from '../../../common/backoff.ts';
import { delay, RECONNECT_BACKOFF } from '../lib/backoff.ts';
import { ClassifierLoader, type ReadyModel } from './classifier-loader.ts';
import { liveTensors } from './classifier.ts';
import { MasterConnection, workerSocketUrl } from './connection.ts';
import { Pacer, pacedMsPerImage } from './cpu-share.ts';
import { CreditGate } from './credit-gate.ts';
import { CREDIT_SAMPLE_JOBS, INITIAL_CREDIT, nextCredit } from './credit.ts';
import { failureReason } from './failure-reason.ts';
import { BROKEN_AFTER_FAILURES, FailureStreak } from './failure-streak.ts';
import { JobQueue, type QueuedJob } from './job-queue.ts';
import { ImageDecodeError, OffThreadDecoder } from './off-thread-decoder.ts';
import { RollingMean } from './rolling-mean.ts';
import type { RuntimeOptions } from './runtime-options.ts';
import { handleSocketClose, type SocketCloseHost } from './socket-close.ts';
import { initialSnapshot, publishStatus, type PauseReason, type WorkerSnapshot } from './status.ts';

/** "ms per image" follows roughly the last 20 jobs. */
const SPEED_WINDOW = 20;
/** Inference times kept for the page's chart. */
const HISTORY_LENGTH = 60;

/**
 * The worker loop: choose a backend, load and warm the model, connect, then classify the
 * jobs the master pushes, one at a time, in arrival order, the next one decoding while the
 * current one is predicted. Emits "change" on every status update.
 */
export class WorkerRuntime extends EventTarget {
  status: WorkerSnapshot;
  private readonly connection: MasterConnection;
  private readonly model: ClassifierLoader;
  private readonly speed = new RollingMean(SPEED_WINDOW);
  private readonly queue = new JobQueue(new OffThreadDecoder().decode);
  private busy = false;
  private idleWaiters: Array<() => void> = [];
  private leaseMs: number | null = null;
  /** True between start() and stop(). */
  private active = false;
  /** Bumped by start() and stop(), so an outdated start sequence knows to give up. */
  private epoch = 0;
  /** performance.now() at the last start(), until the master welcomes us. */
  private startedAt: number | null = null;
  private readonly gate = new CreditGate(() => this.announceCredit());
  /** The credit the master was last told, so nothing is sent twice. */
  private announced: number | null = null;
  /** Model reloads since the last welcome: a master that keeps refusing the model is asked again ever more slowly. */
  private readonly modelReloads = new Backoff(RECONNECT_BACKOFF);
  /** The page's own job failures in a row: a dead backend's (failure-streak.ts). */
  private readonly failures = new FailureStreak();
  /** What the close handling (socket-close.ts) needs of the runtime. */
  private readonly closeHost: SocketCloseHost = {
    isActive: () => this.active,
    dropQueue: () => this.dropQueue(),
    update: (patch) => this.update(patch),
    forgetIdentity: () => this.options.identity.forget(),
    stopOnRefusedFleetToken: (reason) => this.stopOnRefusedFleetToken(reason),
  };

  constructor(private readonly options: RuntimeOptions) {
    super();
    this.status = initialSnapshot(options.name, options.kind, INITIAL_CREDIT);
    this.model = new ClassifierLoader(options.backend ?? null, {
      update: (patch) => this.update(patch),
      showPhase: (state) => {
        if (this.active) this.update({ state });
      },
      bytesDownloaded: () => this.status.bytesDownloaded,
    });
    this.connection = new MasterConnection(workerSocketUrl(location), {
      hello: () => this.hello(),
      onMessage: (message) => this.onMessage(message),
      onJob: (header, image, session) => this.onJob(header, image, session),
      onDown: (retryInMs, closedBy) => handleSocketClose(this.closeHost, retryInMs, closedBy),
    });
    publishStatus(this.status);
    window.__gridTensors = liveTensors;
  }

  subscribe(listener: () => void): () => void {
    this.addEventListener('change', listener);
    return () => this.removeEventListener('change', listener);
  }

  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.startedAt = performance.now();
    this.update({ startupMs: null, refused: null });
    await this.prepareAndConnect(++this.epoch);
  }

  /**
   * Stops taking new jobs for this reason but stays connected: credit 0 tells the master to send
   * nothing more, while the jobs already here are finished. Cheaper to undo than stop(), as nothing reloads.
   */
  pause(reason: PauseReason): void {
    this.gate.pause(reason);
    this.announceCredit();
  }

  /** Takes back one reason to pause; work resumes when no reason is left. */
  resume(reason: PauseReason): void {
    this.gate.resume(reason);
    this.announceCredit();
  }

  /** The volunteer's CPU share and hourly cap: the credit is resized within them and the master told. */
  setLimits(limits: DonorLimits): void {
    this.update({ limits });
    this.resizeCredit(true);
    this.announceCredit(true);
  }

  /** The name shown on the leaderboard (null: anonymous); the master is told at once. */
  setDisplayName(displayName: string | null): void {
    this.update({ displayName });
    this.connection.send({ type: 'profile', displayName });
  }

  /** Tells the master we are leaving, finishes the jobs we hold, then disconnects. */
  async stop(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    this.epoch++;
    if (this.connection.isOpen) {
      this.connection.stopReconnecting();
      this.update({ draining: true });
      this.connection.send({ type: 'drain' });
      await this.whenIdle();
    }
    this.connection.close();
    this.dropQueue();
    this.update({ state: 'stopped', draining: false, retryNote: null });
  }

  private update(patch: Partial<WorkerSnapshot>): void {
    this.status = { ...this.status, ...patch };
    publishStatus(this.status);
    this.dispatchEvent(new Event('change'));
  }

  private async prepareAndConnect(epoch: number): Promise<void> {
    if (!(await this.model.prepare(() => epoch === this.epoch))) return;
    this.update({ state: 'connecting' });
    this.connection.open();
  }

  private hello(): HelloMessage {
    this.announced = this.creditToAnnounce();
    const { identity, browser } = this.options;
    const fleetToken = this.options.fleetToken?.();
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      name: this.status.name,
      kind: this.status.kind,
      // Chosen before the socket opens (prepareAndConnect), and kept for every reload.
      backend: this.model.backend!.backend,
      model: this.model.ready?.view.hash ?? '',
      credit: this.announced,
      ...(identity.current ? { identity: identity.current } : {}),
      ...(fleetToken ? { fleetToken } : {}),
      displayName: this.status.displayName,
      ...(browser ? { browser } : {}),
      limits: this.status.limits,
    };
  }

  /** The credit within the volunteer's terms (see CreditGate); the page shows why it is held at 0. */
  private creditToAnnounce(): number {
    const { credit, pausedFor } = this.gate.admit(this.status.credit, this.status.limits);
    if (pausedFor.join() !== this.status.pausedFor.join()) this.update({ pausedFor, paused: pausedFor.length > 0 });
    return credit;
  }

  /** Tells the master the credit if it changed (or always, with the limits, when they changed). */
  private announceCredit(withLimits = false): void {
    const credit = this.creditToAnnounce();
    if (credit === this.announced && !withLimits) return;
    if (this.connection.send({ type: 'credit', credit, ...(withLimits ? { limits: this.status.limits } : {}) })) this.announced = credit;
  }

  private onMessage(message: MasterMessage): void {
    // A welcome, or a heartbeat to a page connected a quarter of the token max age, brings a fresh token: keep it.
    if ('identity' in message && message.identity) this.options.identity.remember(message.identity);
    switch (message.type) {
      case 'welcome':
        this.update({ workerId: message.identity.workerId, workerClass: message.workerClass });
        this.leaseMs = message.leaseMs;
        this.connection.markHealthy();
        this.modelReloads.reset();
        this.update({ state: 'ready', lastError: null, retryNote: null, ...this.startupTime() });
        break;
      case 'cancel':
        this.queue.cancel(message.jobId, message.leaseId);
        this.prefetch();
        this.update({ queued: this.queue.length });
        break;
      case 'error':
        console.warn(`master error ${message.code}: ${message.message}`);
        this.update({ lastError: `master: ${message.message}` });
        if (message.code === ErrorCode.modelMismatch) void this.reloadModel();
        break;
    }
  }

  /** Start to first welcome, once per start(): what a volunteer waits for. */
  private startupTime(): Partial<WorkerSnapshot> {
    if (this.startedAt === null) return {};
    const startupMs = performance.now() - this.startedAt;
    this.startedAt = null;
    return { startupMs };
  }

  /**
   * The master now serves another model: load that one, then reconnect announcing it. Should the master refuse
   * the model just loaded too (masters behind one address serving different models), the next reload waits longer.
   */
  private async reloadModel(): Promise<void> {
    // The start this reload belongs to: a Stop while the current job finishes ends it.
    const epoch = this.epoch;
    this.connection.stopReconnecting(); // the master closes this socket; reconnecting now would be refused again
    this.dropQueue();
    await this.whenIdle();
    this.model.discard();
    const waitMs = this.modelReloads.nextDelayMs();
    if (epoch !== this.epoch) return;
    this.update({ state: 'connecting', lastError: `the master serves another model: loading it in ${(waitMs / 1000).toFixed(1)} s` });
    await delay(waitMs);
    if (epoch === this.epoch) await this.prepareAndConnect(epoch);
  }

  /** The page fails every job (failure-streak.ts): it hands its leases back and reloads the classifier after `waitMs` in 'error'. */
  private async reloadBrokenClassifier(reason: string, waitMs: number): Promise<void> {
    const epoch = this.epoch;
    console.warn(`${BROKEN_AFTER_FAILURES} jobs failed in a row (${reason}): reloading the classifier`);
    this.connection.close();
    await this.whenIdle();
    this.model.discard();
    if (epoch !== this.epoch) return;
    const when = waitMs > 0 ? ` in ${waitMs / 1000} s` : '';
    this.update({ state: 'error', lastError: `${BROKEN_AFTER_FAILURES} jobs in a row failed here (${reason}): reloading the classifier${when}` });
    await delay(waitMs);
    if (epoch === this.epoch) await this.prepareAndConnect(epoch);
  }

  private onJob(header: JobHeader, image: Uint8Array, session: number): void {
    this.queue.push({ header, image, session, receivedAt: performance.now() });
    this.update({ queued: this.queue.length, bytesDownloaded: this.status.bytesDownloaded + image.byteLength });
    this.prefetch();
    void this.pump();
  }

  /** Stopped, not in error: the reconnect planned is called off, and Start (with the right token) is the way back. */
  private stopOnRefusedFleetToken(reason: string): void {
    this.connection.stopReconnecting();
    this.active = false;
    this.epoch++;
    this.options.onFleetTokenRefused?.();
    this.update({ state: 'stopped', lastError: `master: ${reason}`, refused: reason, retryNote: null });
  }

  private dropQueue(): void {
    this.queue.clear();
    this.update({ queued: 0 });
    this.notifyIfIdle();
  }

  /** Works through the queue, paced to the volunteer's CPU share, and accounts the effort. */
  private async pump(): Promise<void> {
    if (this.busy || !this.model.ready) return;
    this.busy = true;
    const pacer = new Pacer();
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        this.update({ queued: this.queue.length });
        this.prefetch();
        const effort = await pacer.rest(await this.process(job, this.model.ready), this.status.limits.cpuShare);
        this.update({ busyMs: this.status.busyMs + effort.busyMs, workingMs: this.status.workingMs + effort.workingMs });
      }
    } finally {
      this.busy = false;
      this.notifyIfIdle();
    }
  }

  /** Classifies one job and answers the master; returns the time spent on it. */
  private async process(job: QueuedJob, { classifier, view }: ReadyModel): Promise<number> {
    const { jobId, leaseId } = job.header;
    const started = performance.now();
    try {
      const bitmap = await this.queue.decoded(job);
      // Only the wait for the decode counts: the part the previous image's prediction did not hide.
      const decodeMs = performance.now() - started;
      this.prefetch();
      const { predictions, inferenceMs, stages } = await classifier.classifyDecoded(bitmap, decodeMs);
      this.failures.succeeded();
      // The master took the lease back meanwhile, or the socket it came on is gone: no answer goes, so none counts.
      // Checked before the counting, as the credit it leaves must go before the result (below).
      if (job.cancelled || !this.connection.canSend(job.session)) return performance.now() - started;
      const backend = this.status.backend ?? 'unknown';
      const stagesMs = { queued: started - job.receivedAt, ...stages };
      const precision = this.model.backend?.precision;
      this.speed.add(inferenceMs);
      this.update({
        jobsDone: this.status.jobsDone + 1,
        msPerImage: this.speed.value,
        recentMs: [...this.status.recentMs, inferenceMs].slice(-HISTORY_LENGTH),
      });
      this.gate.finished();
      this.resizeCredit();
      // The credit this finish leaves goes first: the master deals on the result, and at the hourly cap the old
      // credit would bring one job past it.
      this.announceCredit();
      this.connection.send({ type: 'result', jobId, leaseId, predictions, inferenceMs, stages: stagesMs, backend, precision, model: view.hash }, job.session);
    } catch (error) {
      // As for a result: a failure that cannot reach the master (the lease taken back, or its socket gone) is not counted.
      if (job.cancelled || !this.connection.canSend(job.session)) return performance.now() - started;
      const reason = failureReason(error);
      const retryable = !(error instanceof ImageDecodeError);
      this.connection.send({ type: 'failure', jobId, leaseId, reason, retryable }, job.session);
      this.update({ jobsFailed: this.status.jobsFailed + 1, lastError: `job ${jobId}: ${reason}` });
      const reloadInMs = retryable ? this.failures.failed() : null;
      if (reloadInMs !== null) void this.reloadBrokenClassifier(reason, reloadInMs);
    }
    this.announceCredit();
    return performance.now() - started;
  }

  /**
   * Decodes the next jobs while the current one is predicted (job-queue.ts), only at a full CPU share, where
   * the page does not rest between images; below it, the rest leaves time enough to decode.
   */
  private prefetch(): void {
    if (this.status.limits.cpuShare === 100) this.queue.decodeAhead();
  }

  /**
   * Once the speed is known, hold about 2 s of work: enough to hide the round trip, little to lose.
   * Below a 100% CPU share an image takes longer, rest included, so the page holds fewer.
   */
  private resizeCredit(exact = false): void {
    const { jobsDone, msPerImage, credit, draining, limits } = this.status;
    if (draining || jobsDone < CREDIT_SAMPLE_JOBS || msPerImage === null) return;
    const next = nextCredit(exact ? 0 : credit, pacedMsPerImage(msPerImage, limits.cpuShare), this.leaseMs);
    if (next !== credit) this.update({ credit: next });
  }

  private whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.notifyIfIdle();
    });
  }

  private notifyIfIdle(): void {
    if (this.busy || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

declare global {
  interface Window {
    /** Tensors alive in the page: a test reads it to check that jobs leave none behind. */
    __gridTensors?: () => number;
  }
}
