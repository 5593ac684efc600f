// What npm run bench:scale hears from its masters (scale-master.ts reports):
// when each job was completed, requeued (its lease expired, or its master went
// silent: recovered) or lost, and which open-loop
// submissions were acknowledged with which job id, or refused.
import type { FromMaster } from './scale-messages.ts';

type Report = Extract<FromMaster, { type: 'report' }>;

export class TransitionLog {
  private readonly completed = new Map<string, number[]>();
  private readonly expired = new Map<string, number[]>();
  private readonly recovered = new Map<string, number[]>();
  private readonly lost = new Map<string, number[]>();
  /** Open-loop submission (sequence number) → the job id it was acknowledged with. */
  readonly acks = new Map<number, string>();
  /** Open-loop submission → why it was refused. */
  readonly refusals = new Map<number, string>();

  add(report: Report): void {
    for (const [transition, jobId, at] of report.transitions) {
      const times = this[transition];
      const seen = times.get(jobId);
      if (seen) seen.push(at);
      else times.set(jobId, [at]);
    }
    for (const [seq, jobId] of report.acks) this.acks.set(seq, jobId);
    for (const [seq, error] of report.refusals) this.refusals.set(seq, error);
  }

  /** How many times the job was reported completed (exactly once, when all is well). */
  completions(jobId: string): number {
    return this.completed.get(jobId)?.length ?? 0;
  }

  /** When the job was first completed (epoch ms), if it was. */
  completedAt(jobId: string): number | undefined {
    return this.completed.get(jobId)?.[0];
  }

  /** When the job was first requeued from a lease: by a reaper (expired) or by a master that found the lease's master silent (recovered). */
  requeuedAt(jobId: string): number | undefined {
    const times = [this.expired.get(jobId)?.[0], this.recovered.get(jobId)?.[0]].filter((t) => t !== undefined);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Resolves true once every job is completed, or false after `timeoutMs`. */
  async untilCompleted(jobIds: Iterable<string>, timeoutMs: number): Promise<boolean> {
    const pending = new Set(jobIds);
    return until(() => {
      for (const id of pending) if (this.completed.has(id)) pending.delete(id);
      return pending.size === 0;
    }, timeoutMs);
  }

  /** Resolves true once every one of these submissions is acknowledged or refused, or false after `timeoutMs`. */
  async untilAnswered(seqs: readonly number[], timeoutMs: number): Promise<boolean> {
    return until(() => seqs.every((seq) => this.acks.has(seq) || this.refusals.has(seq)), timeoutMs);
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
