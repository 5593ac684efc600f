// The board's watch on its live stream: EventSource never notices a connection lost without being closed (a host
// crash, a dropped NAT entry), so a stream that says nothing for a few of the master's keepalive intervals is
// taken for dead. The master says the interval in the keepalive event a stream opens with (EVENT_KEEPALIVE_MS).

/** Keepalive intervals heard nothing in before a stream counts as dead: one late or lost keepalive is no outage. */
export const SILENT_INTERVALS = 3;
/** How long a stream may say nothing before its first keepalive has said how often it speaks. */
export const FIRST_WORD_TIMEOUT_MS = 30_000;

export class SilenceWatch {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private limitMs: number | null = null;

  constructor(private readonly onSilent: () => void) {}

  /** Watches a new stream: the last one's interval is no measure for it (it may reach another master). */
  start(): void {
    this.limitMs = null;
    this.arm();
  }

  /** Something arrived; a keepalive's `intervalMs` says how often to expect more. */
  heard(intervalMs?: number): void {
    if (intervalMs !== undefined) this.limitMs = SILENT_INTERVALS * intervalMs;
    if (this.timer) this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    this.stop();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onSilent();
    }, this.limitMs ?? FIRST_WORD_TIMEOUT_MS);
  }
}
