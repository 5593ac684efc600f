// The last N board events, numbered, so a board that fell behind or reconnected
// with Last-Event-ID catches up from here: the master keeps nothing per board
// but a position. Frames are serialised once, on first send, and shared.
import { randomBytes } from 'node:crypto';
import type { StreamEvent } from '../api-types.ts';
import { withoutTrust } from '../trust/hidden-trust.ts';

export class NumberedEvent {
  private cached: string | null = null;
  private cachedWithoutTrust: string | null = null;

  constructor(
    readonly seq: number,
    private readonly id: string,
    private readonly event: StreamEvent,
  ) {}

  /** The owner of the job the event is about; undefined for events about no one job's contents. */
  get owner(): string | null | undefined {
    return this.event.type === 'job' ? this.event.job.owner : undefined;
  }

  /** The SSE frame: its id, its name (the event's type) and its JSON. */
  get frame(): string {
    return (this.cached ??= `id: ${this.id}\n${unnumberedFrame(this.event)}`);
  }

  /** The frame for a board that may not see workers' credibility and spot checks passed (http/check-counters.ts). */
  get frameWithoutTrust(): string {
    const { event } = this;
    if (event.type !== 'workers-changed') return this.frame;
    return (this.cachedWithoutTrust ??= `id: ${this.id}\n${unnumberedFrame({ ...event, changed: event.changed.map(withoutTrust) })}`);
  }
}

export class RecentEvents {
  private readonly ring: NumberedEvent[] = [];
  private nextSeq = 1;
  /** Ids carry this incarnation's mark: an id from before a restart names nothing here. */
  private readonly epoch = randomBytes(4).toString('hex');

  constructor(private readonly capacity: number) {}

  /** Numbers an event and keeps it, forgetting the oldest past capacity. */
  add(event: StreamEvent): NumberedEvent {
    const seq = this.nextSeq++;
    const numbered = new NumberedEvent(seq, `${this.epoch}-${seq}`, event);
    this.ring[seq % this.capacity] = numbered;
    return numbered;
  }

  /** The position an event id (as sent in `id:`, back in Last-Event-ID) names, or null if it is not one of ours. */
  positionOf(eventId: string): number | null {
    const match = /^([0-9a-f]{8})-(\d{1,15})$/.exec(eventId);
    if (!match || match[1] !== this.epoch) return null;
    const seq = Number(match[2]);
    return seq < this.nextSeq ? seq : null;
  }

  /** The position of the newest event so far (0 before any). */
  get newest(): number {
    return this.nextSeq - 1;
  }

  /** Events after a position, oldest first, or null when some of them were already forgotten. */
  after(position: number): NumberedEvent[] | null {
    if (position < this.newest - this.capacity) return null;
    const events: NumberedEvent[] = [];
    for (let seq = position + 1; seq < this.nextSeq; seq++) events.push(this.ring[seq % this.capacity]!);
    return events;
  }
}

/** An SSE frame without an id: the event name is its type, the data its JSON. */
export function unnumberedFrame(event: StreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
