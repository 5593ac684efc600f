import { errorMessage } from '../lib/errors.ts';

const DEFAULT_INTERVAL_MS = 5000;

/**
 * Asks the master for something every 5 s while a page holds it (GET /api/stats: the master's
 * series are themselves 5 s slots, so polling faster would show nothing new; GET /api/volunteers).
 * Emits "change" after every answer or failure.
 */
export class Poller<T> extends EventTarget {
  value: T | null = null;
  /** Why the last request failed; null after a success. The last good value stays on show. */
  error: string | null = null;
  /** What the last request threw (null after a success), for a page to tell a refusal from an outage. */
  failure: unknown = null;
  private holders = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight = false;
  /** Whether refresh() was called during the request out now. */
  private again = false;

  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
  ) {
    super();
  }

  subscribe(listener: () => void): () => void {
    this.addEventListener('change', listener);
    if (this.holders++ === 0) void this.refresh();
    return () => {
      this.removeEventListener('change', listener);
      if (--this.holders === 0) this.stop();
    };
  }

  /** Asks now (and restarts the 5 s rhythm from here). */
  async refresh(): Promise<void> {
    if (this.inFlight) {
      // What the request out asks for (a leaderboard's page, say) may have changed since: ask again once it ends.
      this.again = true;
      return;
    }
    this.stop();
    this.inFlight = true;
    do {
      this.again = false;
      // An answer overtaken by a refresh is stale: it is never shown.
      try {
        const value = await this.fetch();
        if (!this.again) {
          this.value = value;
          this.error = null;
          this.failure = null;
        }
      } catch (error) {
        if (!this.again) {
          this.error = errorMessage(error);
          this.failure = error;
        }
      }
    } while (this.again);
    this.inFlight = false;
    // Chained timeouts, not an interval: a slow answer never overlaps the next request.
    if (this.holders > 0) this.timer = setTimeout(() => void this.refresh(), this.intervalMs);
    this.dispatchEvent(new Event('change'));
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
