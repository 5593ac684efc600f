// Fan-out of job and worker changes to live boards (Server-Sent Events).
import { EventEmitter } from 'node:events';
import type { LiveEvent } from '../api-types.ts';

export class LiveEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(event: LiveEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
