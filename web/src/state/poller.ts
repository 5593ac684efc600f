import { askedWaitMs } from '../api.ts';
import { errorMessage } from '../lib/errors.ts';

const DEFAULT_INTERVAL_MS = 5000;

/** What tells the poller whether anyone can see the page: the document, in a browser. */
export type PageVisibility = Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>;

/**
 * Asks the master for something every 5 s while a page holds it (GET /api/stats: the master's
 * series are themselves 5 s slots, so polling faster would show nothing new; GET /api/volunteers).
 * Emits "change" after every answer or failure.
 *
 * A hidden tab asks nothing: a board left open in the background for days would otherwise poll the whole time
 * for nobody. A poll that fell due while hidden is made as soon as the tab is shown again. When the master
 * answers with Retry-After (a rate limit, an overload), the next poll waits at least that long.
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
  /** Whether a poll fell due while the page was hidden. */
  private due = false;
  private readonly onVisibilityChange = () => {
    if (this.due && this.holders > 0 && !this.hidden) void this.refresh();
  };

  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
    // Outside a browser (tests in Node) there is no document: always visible.
    private readonly page: PageVisibility | null = typeof document === 'undefined' ? null : document,
  ) {
    super();
  }

  subscribe(listener: () => void): () => void {
    this.addEventListener('change', listener);
    if (this.holders++ === 0) {
      this.page?.addEventListener('visibilitychange', this.onVisibilityChange);
      this.poll();
    }
    return () => {
      this.removeEventListener('change', listener);
      if (--this.holders === 0) {
        this.page?.removeEventListener('visibilitychange', this.onVisibilityChange);
        this.stop();
      }
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
    if (this.holders > 0) this.timer = setTimeout(() => this.poll(), this.nextDelayMs());
    this.dispatchEvent(new Event('change'));
  }

  /** The rhythm's poll: made now while the page is seen, else left due until it is. */
  private poll(): void {
    this.timer = null;
    this.due = this.hidden;
    if (!this.due) void this.refresh();
  }

  private nextDelayMs(): number {
    const askedMs = askedWaitMs(this.failure);
    return Math.max(this.intervalMs, askedMs);
  }

  private get hidden(): boolean {
    return this.page?.visibilityState === 'hidden';
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.due = false;
  }
}
