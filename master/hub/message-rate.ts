// How fast a worker may talk (MAX_WORKER_MESSAGES_PER_SECOND). Each message can cost a store call (an answer, a name)
// or a dispatch (a credit change), so a socket sending faster than any page answers is hung up on instead of keeping
// the master busy. A token bucket: a second's worth may come at once, then the rate.
export class MessageRate {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = perSecond;
    this.updatedAt = now;
  }

  /** Counts one message at `now` (ms); false when it is over the rate. */
  take(now: number): boolean {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.updatedAt) * this.perSecond) / 1000);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
