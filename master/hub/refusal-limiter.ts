// A worker whose answers keep being refused (forged or stale leases) must neither
// flood the log nor keep its socket: one warning per interval, with how many were
// left unsaid, and a limit after which the master hangs up.
export interface RefusalVerdict {
  /** Log this one (the first of its interval). */
  log: boolean;
  /** Refusals not logged since the last logged one. */
  suppressed: number;
  /** The worker has used up MAX_REFUSED_MESSAGES: disconnect it. */
  overLimit: boolean;
}

export class RefusalLimiter {
  private count = 0;
  private unlogged = 0;
  private lastLoggedAt = -Infinity;

  constructor(
    private readonly maxRefused: number,
    private readonly logIntervalMs: number,
  ) {}

  note(now: number): RefusalVerdict {
    this.count += 1;
    const overLimit = this.count >= this.maxRefused;
    if (now - this.lastLoggedAt < this.logIntervalMs && !overLimit) {
      this.unlogged += 1;
      return { log: false, suppressed: this.unlogged, overLimit };
    }
    const suppressed = this.unlogged;
    this.unlogged = 0;
    this.lastLoggedAt = now;
    return { log: true, suppressed, overLimit };
  }
}
