// How fast a worker may talk (MAX_WORKER_MESSAGES_PER_SECOND, and MAX_WORKER_BYTES_PER_SECOND with one of these
// counting bytes). Each message can cost a store call (an answer, a name) or a dispatch (a credit change), and each
// byte its reading and parsing, so a socket sending faster than any page answers is hung up on instead of keeping the
// master busy. A token bucket: a second's worth may come at once, then the rate.
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

  /** Counts `amount` (one message, or its bytes) at `now` (ms); false when it is over the rate. */
  take(now: number, amount = 1): boolean {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.updatedAt) * this.perSecond) / 1000);
    this.updatedAt = now;
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }
}
