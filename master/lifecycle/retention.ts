// Retention: storage that does not grow without bound. A job's image is deleted
// IMAGE_RETENTION_MS after the job ended (done or failed), its result kept; the
// job itself, with its attempts and votes, JOB_RETENTION_MS after it ended; the volunteer ledger's memory of whom it
// credited for a job (credited once per job) as long after the job last ended on that answer, and the identities'
// memory of which answers were judged (judged once per job) as long after the last judgement, when the job is gone;
// and an identity's trust record and revocation once it was not seen for IDENTITY_TOKEN_MAX_AGE_MS (every token it
// holds has expired then, so none can be presented to undo a revocation), with its name in the ledger unless it was
// credited. The ledger's credited rows stay: credit is their point. Idempotency-Keys are forgotten IDEMPOTENCY_TTL_MS
// after their first use, so a master whose submissions stopped does not keep them for good.
// This is the one place that says when; the store finds what is due through an
// index on the end time and deletes it in atomic steps of at most RETENTION_BATCH
// (master/store/), the lifecycle publishes what changed. Queued and leased jobs
// have not ended and are never touched. Every master sweeps: on a shared Redis
// each step is one Lua script, so masters sweeping at once each take other jobs,
// and a job retried or reopened meanwhile is no longer due.
import type { IdentityStore } from '../identity/identity-store.ts';
import type { Logger } from '../log.ts';
import type { JobStore } from '../store/job-store.ts';
import { StoreUnavailableError } from '../store/store-errors.ts';
import type { VolunteerLedger } from '../volunteers/volunteer-ledger.ts';
import type { JobLifecycle } from './job-lifecycle.ts';

export interface RetentionPolicy {
  imageRetentionMs: number;
  jobRetentionMs: number;
  /** Most images, and most jobs, one step deletes. */
  retentionBatch: number;
  /** How often a sweep starts. */
  retentionSweepMs: number;
  /** An identity not seen this long is forgotten: no token it holds is accepted any more. */
  identityTokenMaxAgeMs: number;
  /** An Idempotency-Key first used this long ago is forgotten. */
  idempotencyTtlMs: number;
}

export interface SweepCount {
  images: number;
  jobs: number;
  credited: number;
  judged: number;
  identities: number;
  idempotencyKeys: number;
}

type Steps = Pick<JobLifecycle, 'expireImages' | 'purge'>;
type Credited = Pick<VolunteerLedger, 'forgetCredited' | 'forgetNames'>;
type Identities = Pick<IdentityStore, 'forgetJudged' | 'forgetIdle'>;
type Keys = Pick<JobStore, 'forgetIdempotencyKeys'>;

export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SweepCount> | null = null;
  private stopped = false;

  constructor(
    private readonly lifecycle: Steps,
    private readonly keys: Keys,
    private readonly ledger: Credited,
    private readonly identities: Identities,
    private readonly policy: RetentionPolicy,
    private readonly log: Logger,
  ) {}

  /** Sweeps now, then every retentionSweepMs. */
  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => void this.sweepQuietly(), this.policy.retentionSweepMs);
    void this.sweepQuietly();
  }

  /** No new sweep, and the one under way stops after its current step (await idle() before closing the store). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Resolves once no sweep is under way. */
  async idle(): Promise<void> {
    await this.running?.catch(() => {});
  }

  /**
   * One sweep as of `now`: images of jobs that ended IMAGE_RETENTION_MS ago or earlier, then jobs that ended
   * JOB_RETENTION_MS ago or earlier, then credited and judged pairs as old, then identities last seen
   * IDENTITY_TOKEN_MAX_AGE_MS ago or earlier, then Idempotency-Keys first used IDEMPOTENCY_TTL_MS ago, each a step at
   * a time until a step finds fewer than a batch (caught up). A sweep already under way is joined, not doubled.
   */
  sweep(now = Date.now()): Promise<SweepCount> {
    this.running ??= this.sweepAll(now).finally(() => (this.running = null));
    return this.running;
  }

  private async sweepAll(now: number): Promise<SweepCount> {
    const { imageRetentionMs, jobRetentionMs, identityTokenMaxAgeMs, idempotencyTtlMs, retentionBatch: batch } = this.policy;
    const count = { images: 0, jobs: 0, credited: 0, judged: 0, identities: 0, idempotencyKeys: 0 };
    count.images = await this.steps((n) => this.lifecycle.expireImages(now - imageRetentionMs, n), batch);
    count.jobs = await this.steps((n) => this.lifecycle.purge(now - jobRetentionMs, n), batch);
    count.credited = await this.steps((n) => this.ledger.forgetCredited(now - jobRetentionMs, n), batch);
    count.judged = await this.steps((n) => this.identities.forgetJudged(now - jobRetentionMs, n), batch);
    // Twice the max age: a master whose clock runs behind still takes a token this master's clock calls expired, and
    // an identity's revocation must outlive its last token on every master's clock, or that token gets back in.
    count.identities = await this.steps(async (n) => {
      const forgotten = await this.identities.forgetIdle(now - 2 * identityTokenMaxAgeMs, n);
      await this.ledger.forgetNames(forgotten);
      return forgotten.length;
    }, batch);
    count.idempotencyKeys = await this.steps((n) => this.keys.forgetIdempotencyKeys(now - idempotencyTtlMs, n), batch);
    if (count.images || count.jobs || count.identities || count.idempotencyKeys)
      this.log.info(
        {
          imagesDeleted: count.images,
          jobsRemoved: count.jobs,
          creditedForgotten: count.credited,
          judgedForgotten: count.judged,
          idleIdentitiesForgotten: count.identities,
          idempotencyKeysForgotten: count.idempotencyKeys,
        },
        'retention sweep',
      );
    return count;
  }

  private async steps(step: (batch: number) => Promise<number>, batch: number): Promise<number> {
    let total = 0;
    for (let done = batch; done === batch && !this.stopped;) {
      done = await step(batch);
      total += done;
    }
    return total;
  }

  /** A sweep from the timer: an unreachable store is expected now and then (the next sweep catches up); anything else is a bug. */
  private async sweepQuietly(): Promise<void> {
    try {
      await this.sweep();
    } catch (error) {
      if (error instanceof StoreUnavailableError) this.log.debug({ err: error }, 'retention sweep failed');
      else this.log.error({ err: error }, 'retention sweep failed');
    }
  }
}
