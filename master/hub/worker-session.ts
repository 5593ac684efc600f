// One connected worker: what it said in its hello, the leases it holds, its credit.
import type { WebSocket } from 'ws';
import type { WorkerView } from '../api-types.ts';
import {
  encodeJobFrame,
  MAX_CREDIT,
  UNLIMITED,
  type DonorLimits,
  type HelloMessage,
  type MasterMessage,
  type WorkerClass,
  type WorkerIdentity,
} from '../protocol.ts';
import type { Admitted } from '../identity/worker-identities.ts';
import type { Lease, LeaseRef, WorkerRef } from '../store/job-store.ts';
import type { SendFrame } from './bounded-send.ts';
import { hangUp } from './hang-up.ts';
import type { RefusalLimiter } from './refusal-limiter.ts';

/** Why the lifecycle hangs up on a session (counted in /metrics' browser_grid_worker_sockets_cut_off_total). */
export type SessionCutOff = 'tooManyRefused' | 'blacklisted';

/** Told of each lease a session takes and lets go (worker-registry.ts finds a lease's holder by it). */
export interface LeaseWatcher {
  held(leaseId: string): void;
  dropped(leaseId: string): void;
}

/** Jobs a new worker may hold before it has answered any: like TCP's slow start. */
const INITIAL_WINDOW = 2;

export class WorkerSession {
  readonly ref: WorkerRef;
  readonly connectedAt = Date.now();
  credit: number;
  /** What the volunteer allows this tab; its credit is already sized within them. */
  limits: DonorLimits;
  /** Opt-in name for the leaderboard; undefined when the last one sent could not be stored. */
  displayName: string | null | undefined;
  draining = false;
  /** How far its answers are believed, and the spot checks behind that; set by the lifecycle from the identity's record. */
  trust = { credibility: 0, spotChecksPassed: 0 };
  jobsDone = 0;
  jobsFailed = 0;
  /** Jobs whose votes from this session may still wait, oldest first: decided again when its credibility grows (lifecycle/waiting-votes.ts). */
  readonly waitingVotes: string[] = [];
  private inferenceMsTotal = 0;
  /**
   * How many jobs the master trusts this worker with, whatever credit it asks
   * for: one more per accepted result, half on an expired lease. A worker on a
   * slow or lossy link then holds what it can really receive and finish within
   * its leases, instead of megabytes of images that expire in transit.
   */
  private window = INITIAL_WINDOW;
  /**
   * Every lease this worker holds, by job id: the lease id, the attempt it is (absent for a spot check, which is no
   * job), when it was given (ms, this master's clock) and the bytes of the frame that carried it.
   */
  private readonly held = new Map<string, { leaseId: string; attempt?: number; givenAt: number; frameBytes: number }>();
  /** The held frames' bytes summed as leases come and go: every frame sent reads it (bounded-send.ts). */
  private heldFrameBytes = 0;
  /**
   * Leases taken back from it with a cancel, newest last, at most MAX_CREDIT (no more can be on their way back): an
   * answer that crossed the cancel is late, not forged, and each excuses one answer.
   */
  private readonly cancelled: string[] = [];
  /** Set by the registry while the session is in it. */
  leaseWatcher: LeaseWatcher | undefined;

  /**
   * The master-issued identity this socket proved (several tabs of one browser share it); the id is per socket. Its
   * token is the newest the page was given: renewed over a long connection (token-renewal.ts).
   */
  identity: WorkerIdentity;
  readonly workerClass: WorkerClass;

  constructor(
    readonly id: string,
    readonly hello: HelloMessage,
    private readonly socket: WebSocket,
    /** Sends within MAX_WORKER_SEND_BUFFER_BYTES: a worker that stopped reading is hung up on instead. */
    private readonly sendFrame: SendFrame,
    admitted: Admitted,
    /** Its refused answers: how many, and which to log. */
    readonly refusals: RefusalLimiter,
    /** Counts a hang-up by why. */
    private readonly countCutOff: (why: SessionCutOff) => void,
    /** How many jobs its messages in flight leave room for it to hold (worker-hub.ts): past it, it is dealt none. */
    private readonly messageRoom: () => number,
  ) {
    this.identity = admitted.identity;
    this.workerClass = admitted.workerClass;
    this.ref = {
      id,
      name: hello.name,
      backend: hello.backend,
      identity: admitted.identity.workerId,
      workerClass: admitted.workerClass,
      network: admitted.network,
    };
    this.credit = hello.credit;
    this.limits = hello.limits ?? UNLIMITED;
    this.displayName = hello.displayName ?? null;
  }

  /** Takes the credit (and limits, if sent) the worker asks for; answers whether anything changed. */
  setCredit(credit: number, limits: DonorLimits | undefined): boolean {
    const changed =
      credit !== this.credit || (limits !== undefined && (limits.cpuShare !== this.limits.cpuShare || limits.imagesPerHour !== this.limits.imagesPerHour));
    this.credit = credit;
    if (limits) this.limits = limits;
    return changed;
  }

  get freeCredit(): number {
    return this.draining || !this.isOpen ? 0 : Math.max(0, Math.min(this.credit, this.window, this.messageRoom()) - this.held.size);
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  get leases(): LeaseRef[] {
    return [...this.held].map(([jobId, { leaseId }]) => ({ jobId, leaseId }));
  }

  holds(lease: LeaseRef): boolean {
    return this.held.get(lease.jobId)?.leaseId === lease.leaseId;
  }

  /** Pushes a job (or a spot check, which looks the same) to the worker. */
  give(lease: Pick<Lease, 'jobId' | 'leaseId' | 'contentType' | 'image'> & Partial<Pick<Lease, 'attempt'>>): void {
    const header = { type: 'job' as const, jobId: lease.jobId, leaseId: lease.leaseId, contentType: lease.contentType };
    const frame = encodeJobFrame(header, lease.image);
    // A job given again under a new lease replaces the old one's entry, and its bytes.
    const replaced = this.held.get(lease.jobId);
    if (replaced) this.leaseWatcher?.dropped(replaced.leaseId);
    this.heldFrameBytes += frame.length - (replaced?.frameBytes ?? 0);
    this.held.set(lease.jobId, { leaseId: lease.leaseId, attempt: lease.attempt, givenAt: Date.now(), frameBytes: frame.length });
    this.leaseWatcher?.held(lease.leaseId);
    this.sendFrame(frame);
  }

  /** The bytes of the job frames it holds and has not answered: its credit asked for them, so it may still be taking them. */
  get owedBytes(): number {
    return this.heldFrameBytes;
  }

  /**
   * Leases held past their time, as the master's own clock says: a spot check `leaseMs` after it was given (it has no
   * lease in the store), a job `2 × leaseMs` after (its store lease ended by then, expired by some master or answered;
   * this catches one whose end this master never heard of).
   */
  overdue(now: number, leaseMs: number): LeaseRef[] {
    const over: LeaseRef[] = [];
    for (const [jobId, { leaseId, attempt, givenAt }] of this.held) {
      if (now - givenAt > (attempt === undefined ? leaseMs : 2 * leaseMs)) over.push({ jobId, leaseId });
    }
    return over;
  }

  /** Whether this lease, held here, is its job's first attempt (a job's first attempt holds no votes). */
  isFirstAttempt(lease: LeaseRef): boolean {
    const held = this.held.get(lease.jobId);
    return held?.leaseId === lease.leaseId && held.attempt === 1;
  }

  /** How long ago this master gave it the lease, by its own clock; null when it does not hold that lease (fenced off). */
  heldMs(lease: LeaseRef, now: number): number | null {
    const held = this.held.get(lease.jobId);
    return held?.leaseId === lease.leaseId ? now - held.givenAt : null;
  }

  /** Forgets a lease; returns whether it was held. */
  drop(lease: LeaseRef): boolean {
    const held = this.held.get(lease.jobId);
    if (held?.leaseId !== lease.leaseId) return false;
    this.heldFrameBytes -= held.frameBytes;
    this.held.delete(lease.jobId);
    this.leaseWatcher?.dropped(lease.leaseId);
    return true;
  }

  /** Takes a lease back and tells the worker to drop the job, if it holds it. */
  cancel(lease: LeaseRef): void {
    if (!this.drop(lease)) return;
    this.cancelled.push(lease.leaseId);
    if (this.cancelled.length > MAX_CREDIT) this.cancelled.shift();
    this.send({ type: 'cancel', ...lease });
  }

  /** Whether an answer to this lease crossed the master's cancel of it (once per cancel): a late answer, not a forged one. */
  excusesLateAnswer(lease: LeaseRef): boolean {
    const at = this.cancelled.indexOf(lease.leaseId);
    if (at < 0) return false;
    this.cancelled.splice(at, 1);
    return true;
  }

  recordDone(inferenceMs: number): void {
    this.jobsDone += 1;
    this.inferenceMsTotal += inferenceMs;
    this.window = Math.min(MAX_CREDIT, this.window + 1);
  }

  /** One of its leases ran out before it answered: trust it with half as much. */
  recordExpired(): void {
    this.window = Math.max(1, Math.floor(this.window / 2));
  }

  send(message: MasterMessage): void {
    this.sendFrame(JSON.stringify(message));
  }

  /** Hangs up on the worker with a close code (too many refused answers, a blacklisted identity); its session ends as on any close. */
  close(why: SessionCutOff, code: number, reason: string): void {
    if (this.isOpen) this.countCutOff(why);
    hangUp(this.socket, code, reason);
  }

  view(): WorkerView {
    return {
      id: this.id,
      workerId: this.identity.workerId,
      workerClass: this.workerClass,
      name: this.hello.name,
      kind: this.hello.kind,
      browser: this.hello.browser ?? null,
      backend: this.hello.backend,
      model: this.hello.model,
      credit: this.credit,
      cpuShare: this.limits.cpuShare,
      imagesPerHour: this.limits.imagesPerHour,
      inFlight: this.held.size,
      jobsDone: this.jobsDone,
      jobsFailed: this.jobsFailed,
      meanInferenceMs: this.jobsDone ? this.inferenceMsTotal / this.jobsDone : null,
      credibility: this.trust.credibility,
      spotChecksPassed: this.trust.spotChecksPassed,
      connectedAt: new Date(this.connectedAt).toISOString(),
      draining: this.draining,
    };
  }
}
