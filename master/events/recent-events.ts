// The last board events, numbered, so a board that fell behind or reconnected
// with Last-Event-ID catches up from here: the master keeps nothing per board
// but a position. Frames are serialised once and shared: the frame when the event
// is kept, a worker change's frame without trust when a board first needs it; what
// they weigh bounds the events kept, as their number does.
import { randomBytes } from 'node:crypto';
import type { StreamEvent } from '../api-types.ts';
import { withoutTrust } from '../trust/hidden-trust.ts';

export class NumberedEvent {
  /** The owner of the job the event is about; undefined for events about no one job's contents. */
  readonly owner: string | null | undefined;
  /** The SSE frame: its id, its name (the event's type) and its JSON. */
  readonly frame: string;
  /** A worker change's frame without trust, once a board needed it. */
  private hiddenTrustFrame: string | undefined;
  private readonly namesWorkers: boolean;
  private weight: number;

  // Only the frames are kept, not the event: they are what boards are sent, and what keeping it costs.
  constructor(
    readonly seq: number,
    private readonly id: string,
    event: StreamEvent,
  ) {
    this.owner = event.type === 'job' ? event.job.owner : undefined;
    this.frame = `id: ${id}\n${unnumberedFrame(event)}`;
    this.namesWorkers = event.type === 'workers-changed';
    this.weight = memoryBytes(this.frame);
  }

  /** What keeping it costs: its frames' bytes in memory. */
  get bytes(): number {
    return this.weight;
  }

  /**
   * The frame for a board that may not see workers' credibility and spot checks passed (http/check-counters.ts). A
   * worker change's is made from the frame the first time a board needs it (none does where every board sees trust)
   * and weighs from then on; RecentEvents.frameFor counts it.
   */
  frameWithoutTrust(): string {
    if (!this.namesWorkers) return this.frame;
    if (this.hiddenTrustFrame === undefined) {
      const event = JSON.parse(this.frame.slice(this.frame.indexOf('\ndata: ') + '\ndata: '.length, -2)) as Extract<StreamEvent, { type: 'workers-changed' }>;
      this.hiddenTrustFrame = `id: ${this.id}\n${unnumberedFrame({ ...event, changed: event.changed.map(withoutTrust) })}`;
      this.weight += memoryBytes(this.hiddenTrustFrame);
    }
    return this.hiddenTrustFrame;
  }
}

/** V8 keeps a string one byte a character, or two once any character is past U+00FF (a stranger's emoji name). */
const memoryBytes = (text: string) => text.length * (/[\u0100-\uffff]/.test(text) ? 2 : 1);

export class RecentEvents {
  private readonly ring: (NumberedEvent | undefined)[] = [];
  private nextSeq = 1;
  /** The position of the oldest event still kept. */
  private oldest = 1;
  private keptBytes = 0;
  /** Ids carry this incarnation's mark: an id from before a restart names nothing here. */
  private readonly epoch = randomBytes(4).toString('hex');

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
  ) {}

  /** Bytes of the frames kept: at most maxBytes, unless the newest event alone weighs more. */
  get bytes(): number {
    return this.keptBytes;
  }

  /**
   * Numbers an event and keeps it, forgetting the oldest past maxEvents or maxBytes; the newest is always kept,
   * since boards stalled while it was sent catch up from here.
   */
  add(event: StreamEvent): NumberedEvent {
    const seq = this.nextSeq++;
    const numbered = new NumberedEvent(seq, this.idOf(seq), event);
    if (seq - this.oldest >= this.maxEvents) this.forgetOldest();
    this.ring[seq % this.maxEvents] = numbered;
    this.keptBytes += numbered.bytes;
    this.keepWithinBytes();
    return numbered;
  }

  /** The id of a position, as sent in `id:`. */
  idOf(position: number): string {
    return `${this.epoch}-${position}`;
  }

  /** The frame a board is sent; one made now for a board that may not see trust counts while its event is kept. */
  frameFor(event: NumberedEvent, seesTrust: boolean): string {
    if (seesTrust) return event.frame;
    const before = event.bytes;
    const frame = event.frameWithoutTrust();
    if (event.seq >= this.oldest) {
      this.keptBytes += event.bytes - before;
      this.keepWithinBytes();
    }
    return frame;
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
    if (position + 1 < this.oldest) return null;
    const events: NumberedEvent[] = [];
    for (let seq = position + 1; seq < this.nextSeq; seq++) events.push(this.ring[seq % this.maxEvents]!);
    return events;
  }

  /** Forgets the oldest past maxBytes, never the newest. */
  private keepWithinBytes(): void {
    while (this.keptBytes > this.maxBytes && this.oldest < this.newest) this.forgetOldest();
  }

  private forgetOldest(): void {
    const slot = this.oldest++ % this.maxEvents;
    this.keptBytes -= this.ring[slot]!.bytes;
    this.ring[slot] = undefined;
  }
}

/** An SSE frame without an id: the event name is its type, the data its JSON. */
export function unnumberedFrame(event: StreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
