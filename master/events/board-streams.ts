// Boards' live event streams (GET /api/events), with backpressure: a board whose
// socket will not take more is skipped, and catches up from RecentEvents once it
// drains; one that stays behind is dropped and reconnects with Last-Event-ID.
// An event's frame is handed over a piece at a time, so a board costs at most its
// socket's buffer and one piece, whatever it reads and however large the frame.
import type { ServerResponse } from 'node:http';
import type { LiveEvents } from './live-events.ts';
import { RecentEvents, unnumberedFrame, type NumberedEvent } from './recent-events.ts';

/** What one board may be shown: the jobs of which owners, and whether workers' credibility and checks passed. */
export interface BoardViewer {
  sees: (owner: string | null) => boolean;
  seesTrust: boolean;
}

const EVERYTHING: BoardViewer = { sees: () => true, seesTrust: true };

export interface BoardStreamLimits {
  /** Open streams at most; more are refused (503). */
  maxClients: number;
  /** How long a board may stay behind before it is dropped. */
  stallMs: number;
  /** Recent events kept for boards catching up, and the bytes of their frames at most. */
  replayEvents: number;
  replayBytes: number;
  /** Boards are told to wait between this and twice this, at random, before reconnecting to a lost stream. */
  reconnectMs: number;
  /** Every board hears a keepalive event this often, and one as its stream opens. */
  keepaliveMs: number;
}

const RESYNC = unnumberedFrame({ type: 'resync' });

/**
 * What a board's socket is handed at a time, in characters (at most 12 KiB of UTF-8). A socket takes a whole write
 * even when full, and a worker change names every worker that changed (strangers' sockets, thousands): written whole,
 * each stalled board would hold its own copy of it.
 */
const PIECE_CHARS = 4096;

export class BoardStreams {
  private readonly recent: RecentEvents;
  private readonly boards = new Set<BoardStream>();
  private readonly unsubscribe: () => void;
  private readonly keepalive: NodeJS.Timeout;
  private readonly keepaliveFrame: string;

  constructor(
    events: LiveEvents,
    private readonly limits: BoardStreamLimits,
    /** Workers connected to this master now: a stream opens with the count, which later worker changes carry. */
    private readonly workersConnected: () => number,
  ) {
    this.recent = new RecentEvents(limits.replayEvents, limits.replayBytes);
    this.unsubscribe = events.subscribe((event) => {
      const numbered = this.recent.add(event);
      for (const board of this.boards) board.offer(numbered);
    });
    // One timer for every board, not one each. The keepalive keeps proxies from closing an idle stream, and is an
    // event, not a comment, so that a board can tell a quiet stream from a connection lost without a close.
    this.keepaliveFrame = unnumberedFrame({ type: 'keepalive', intervalMs: limits.keepaliveMs });
    this.keepalive = setInterval(() => {
      for (const board of this.boards) board.keepalive(this.keepaliveFrame);
    }, limits.keepaliveMs).unref();
  }

  /** Streams open now. */
  get size(): number {
    return this.boards.size;
  }

  /** Bytes written to boards that their sockets have not sent yet: bounded by the sockets' buffers, not by what boards fail to read. */
  get bufferedBytes(): number {
    let bytes = 0;
    for (const board of this.boards) bytes += board.bufferedBytes;
    return bytes;
  }

  get full(): boolean {
    return this.boards.size >= this.limits.maxClients;
  }

  /**
   * Streams events to a board whose headers are sent: those after Last-Event-ID first, when it names one still
   * kept. A job's events reach it only when `sees` the job's owner; events that name no owner (deletions, which
   * carry only an id, and worker changes) reach every board, worker changes without trust unless it `seesTrust`.
   */
  open(res: ServerResponse, lastEventId: string | undefined, viewer: BoardViewer = EVERYTHING): void {
    const known = lastEventId === undefined ? null : this.recent.positionOf(lastEventId);
    const missed = known === null ? null : this.recent.after(known);
    // A board whose missed events are gone reloads, and so starts at the newest, as a new one does.
    const position = known !== null && missed !== null ? known : this.recent.newest;
    const board = new BoardStream(res, this.recent, this.limits.stallMs, position, viewer);
    this.boards.add(board);
    res.on('close', () => {
      board.closed();
      this.boards.delete(board);
    });
    // A jittered wait, so that boards losing a master together (a restart) do not all come back at once; and an id,
    // so that a board that has heard nothing yet also resumes from here rather than missing what comes meanwhile.
    board.send(`retry: ${Math.floor(this.limits.reconnectMs * (1 + Math.random()))}\nid: ${this.recent.idOf(position)}\n\n`);
    // Unnumbered, so it moves no board's place; the newest worker change replayed after it, if older, is corrected
    // by the one the registry still owes (it publishes after every arrival and departure).
    board.send(unnumberedFrame({ type: 'workers-changed', changed: [], left: [], connected: this.workersConnected() }));
    // How often the board will hear from us, told now: it need not wait for the first interval to know.
    board.send(this.keepaliveFrame);
    // A board that asked to resume and cannot must reload what it shows.
    if (lastEventId !== undefined && missed === null) board.send(RESYNC);
    for (const event of missed ?? []) board.offer(event);
  }

  close(): void {
    clearInterval(this.keepalive);
    this.unsubscribe();
    for (const board of this.boards) board.drop();
  }
}

/** One board's stream: where it is in the event sequence, and whether it is waiting for its socket to drain. */
class BoardStream {
  private stalled: NodeJS.Timeout | null = null;
  /** Characters of the next event's frame its socket has taken: it stalled midway, and goes on from there. */
  private sent = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly recent: RecentEvents,
    private readonly stallMs: number,
    private position: number,
    private readonly viewer: BoardViewer,
  ) {}

  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  offer(event: NumberedEvent): void {
    if (this.stalled || event.seq <= this.position) return;
    if (event.owner === undefined || this.viewer.sees(event.owner)) {
      const frame = this.recent.frameFor(event, this.viewer.seesTrust);
      while (this.sent < frame.length && !this.stalled) this.send(this.pieceOf(frame));
      // The rest once the socket drains (catchUp), taken again from RecentEvents: nothing of it is held here.
      if (this.sent < frame.length) return;
    }
    this.sent = 0;
    this.position = event.seq;
  }

  keepalive(frame: string): void {
    if (!this.stalled) this.send(frame);
  }

  send(frame: string | Buffer): void {
    if (this.res.write(frame) || this.stalled) return;
    this.stalled = setTimeout(() => this.drop(), this.stallMs);
    this.res.once('drain', () => this.catchUp());
  }

  /** The frame's next piece, a copy: a slice of the string would keep the whole frame alive while the socket holds it. */
  private pieceOf(frame: string): Buffer {
    let end = Math.min(this.sent + PIECE_CHARS, frame.length);
    // A character outside the BMP is two UTF-16 units; the piece ends before it rather than in its middle.
    if (end < frame.length && isHighSurrogate(frame.charCodeAt(end - 1))) end--;
    const piece = Buffer.from(frame.slice(this.sent, end));
    this.sent = end;
    return piece;
  }

  drop(): void {
    this.res.destroy();
  }

  closed(): void {
    if (this.stalled) clearTimeout(this.stalled);
  }

  private catchUp(): void {
    if (this.stalled) clearTimeout(this.stalled);
    this.stalled = null;
    const missed = this.recent.after(this.position);
    if (!missed) return this.drop();
    for (const event of missed) this.offer(event);
  }
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
