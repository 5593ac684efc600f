// How fast a worker may talk (MAX_WORKER_MESSAGES_PER_SECOND, and MAX_WORKER_BYTES_PER_SECOND with one of these
// counting bytes). Each message can cost a store call (an answer, a name) or a dispatch (a credit change), and each
// byte its reading and parsing, so a socket sending faster than any page answers is hung up on instead of keeping the
// master busy. A token bucket: a second's worth may come at once, then the rate.
import type { RawData } from 'ws';

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

/** A worker socket's messages and their bytes, each within its rate. */
export class SocketRate {
  private readonly messages: MessageRate;
  private readonly bytes: MessageRate;

  constructor(messagesPerSecond: number, bytesPerSecond: number, now: number) {
    this.messages = new MessageRate(messagesPerSecond, now);
    this.bytes = new MessageRate(bytesPerSecond, now);
  }

  /** Counts one message of `bytes` at `now` (ms): what it is over, or null. */
  take(now: number, bytes: number): 'messages' | 'bytes' | null {
    if (!this.messages.take(now)) return 'messages';
    return this.bytes.take(now, bytes) ? null : 'bytes';
  }
}

/** A frame's bytes, whichever form ws hands it in. */
export const byteLength = (data: RawData): number => (Array.isArray(data) ? data.reduce((sum, chunk) => sum + chunk.length, 0) : data.byteLength);
