// Fan-out of job and worker changes to live boards (Server-Sent Events) and,
// with a shared store, to the other masters (see redis-event-relay.ts).
import { EventEmitter } from 'node:events';
import type { LiveEvent } from '../api-types.ts';

export class LiveEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private boards = 0;

  /** An event that happened on this master. */
  publish(event: LiveEvent): void {
    this.emitter.emit('event', event);
    this.emitter.emit('local', event);
  }

  /** An event relayed from another master: shown to boards, not relayed again. */
  deliver(event: LiveEvent): void {
    this.emitter.emit('event', event);
  }

  /** Every event, local or relayed. */
  subscribe(listener: (event: LiveEvent) => void): () => void {
    return this.on('event', listener);
  }

  /** A board's event stream (GET /api/events): every event, and counted while open, for /metrics. */
  subscribeBoard(listener: (event: LiveEvent) => void): () => void {
    this.boards += 1;
    const unsubscribe = this.subscribe(listener);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.boards -= 1;
      unsubscribe();
    };
  }

  /** Board event streams open now. */
  get boardsConnected(): number {
    return this.boards;
  }

  /** Only events of this master. */
  subscribeLocal(listener: (event: LiveEvent) => void): () => void {
    return this.on('local', listener);
  }

  private on(name: string, listener: (event: LiveEvent) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
