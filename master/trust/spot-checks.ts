// Spot checks: a share (GOLD_FRACTION) of the work handed to volunteers is gold (gold-set.ts), an image whose
// answer the master knows, sent like any job: a fresh encoding, random ids, the same frame, and only to a volunteer
// some real job is open to, so that a worker cannot tell it from real work. It is never stored as a job. An answer that
// agrees raises the identity's credibility (credibility.ts); one that does not is to be blacklisted.
// A volunteer whose answer cannot settle a job alone yet may get a larger share (GOLD_FRACTION_NEW): each passed
// check raises its credibility, and until it is high enough every one of its answers needs replicas (Sarmenta's
// bound wants some 41 passed checks at the default policy: 800 jobs at 5%).
import { randomUUID } from 'node:crypto';
import type { IdentityStore, TrustRecord } from '../identity/identity-store.ts';
import type { LeaseRef } from '../store/job-store.ts';
import type { GoldPool } from './gold-pool.ts';
import type { GoldDraw } from './gold-set.ts';

/** A spot check as a worker receives it: what WorkerSession.give sends. */
export interface SpotCheckLease {
  jobId: string;
  leaseId: string;
  contentType: string;
  image: Uint8Array;
}

export interface SpotCheckCounts {
  given: number;
  passed: number;
  failed: number;
}

export type SpotCheckVerdict = { passed: true } | { passed: false; reason: string };

export class SpotChecks {
  readonly counts: SpotCheckCounts = { given: 0, passed: 0, failed: 0 };
  /** Outstanding spot checks by job id: the known answer. Each is held by one session, and forgotten when it ends. */
  private readonly answers = new Map<string, { leaseId: string; answer: number }>();

  constructor(
    /** Where draws come from: a pool of the gold set's draws made ahead (gold-pool.ts). */
    private readonly gold: Pick<GoldPool, 'next'>,
    private readonly fractions: { proven: number; unproven: number },
    private readonly identities: Pick<IdentityStore, 'recordSpotCheck'>,
    private readonly random: () => number = Math.random,
  ) {}

  /** Whether the next slot dealt to a volunteer is a spot check; `proven`: its answer settles a job alone. Never less often unproven. */
  draw(proven: boolean): boolean {
    const { proven: fraction, unproven } = this.fractions;
    return this.random() < (proven ? fraction : Math.max(fraction, unproven));
  }

  /** A fresh spot check to hand out. */
  async make(): Promise<SpotCheckLease> {
    return this.issue(await this.gold.next());
  }

  private issue(draw: GoldDraw): SpotCheckLease {
    const lease = { jobId: randomUUID(), leaseId: randomUUID(), contentType: draw.contentType, image: draw.bytes };
    this.answers.set(lease.jobId, { leaseId: lease.leaseId, answer: draw.answer });
    this.counts.given += 1;
    return lease;
  }

  isSpotCheck(lease: LeaseRef): boolean {
    return this.answers.get(lease.jobId)?.leaseId === lease.leaseId;
  }

  /** The worker's top-1 for a spot check (null: an answer refused as nonsense) against the known answer; the check is over. */
  judge(lease: LeaseRef, top1: number | null): SpotCheckVerdict {
    const expected = this.answers.get(lease.jobId)!.answer;
    this.forget(lease);
    const passed = top1 === expected;
    this.counts[passed ? 'passed' : 'failed'] += 1;
    if (passed) return { passed };
    const reason = top1 === null ? 'answered a spot check with nonsense' : `answered a spot check with class ${top1}; the served model says ${expected}`;
    return { passed, reason };
  }

  /** Records a verdict against the identity; answers its trust record after. */
  record(workerId: string, passed: boolean): Promise<TrustRecord> {
    return this.identities.recordSpotCheck(workerId, passed);
  }

  /** A check made but never sent (its worker had no credit left for it): forgotten, and not counted as given. */
  withdraw(lease: LeaseRef): void {
    if (!this.isSpotCheck(lease)) return;
    this.answers.delete(lease.jobId);
    this.counts.given -= 1;
  }

  /** The spot check ended unjudged (the worker left, or called the image undecodable). */
  forget(lease: LeaseRef): void {
    if (this.isSpotCheck(lease)) this.answers.delete(lease.jobId);
  }
}
