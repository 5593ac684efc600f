// Fan-out of job and worker changes to live boards (events/board-streams.ts) and,
// with a shared store, to the other masters (see redis-event-relay.ts), with the
// blacklistings the other masters must hear of.
import { EventEmitter } from 'node:events';
import type { LiveEvent } from '../api-types.ts';

/** A volunteer identity blacklisted, and why. */
export interface BlacklistNotice {
  workerId: string;
  reason: string;
}

export class LiveEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

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

  /** Only events of this master. */
  subscribeLocal(listener: (event: LiveEvent) => void): () => void {
    return this.on('local', listener);
  }

  /** A volunteer identity blacklisted on this master: for the other masters, which close its sockets there; boards are not told. */
  announceBlacklisting(notice: BlacklistNotice): void {
    this.emitter.emit('blacklisting', notice);
  }

  subscribeBlacklistings(listener: (notice: BlacklistNotice) => void): () => void {
    return this.on('blacklisting', listener);
  }

  private on<T>(name: string, listener: (event: T) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
