// A page whose backend died (a WASM out-of-memory, a lost WebGL context) fails every job in a millisecond while it
// looks ready. Its own failures in a row (not images that will not decode) say so: after BROKEN_AFTER_FAILURES the
// classifier is reloaded, at once the first time; broken again with nothing classified since, only after a wait in
// 'error' long enough for a fleet to relaunch the page.

/** The page's own job failures in a row after which its backend is taken for dead. */
export const BROKEN_AFTER_FAILURES = 3;
/** How long a classifier broken again since its reload waits in 'error' before the next reload. */
export const BROKEN_AGAIN_RELOAD_MS = 60_000;

export class FailureStreak {
  private inARow = 0;
  private reloaded = false;

  /** A job classified: the classifier works. */
  succeeded(): void {
    this.inARow = 0;
    this.reloaded = false;
  }

  /** One of the page's own job failures: the wait before reloading the classifier, or null to go on as it is. */
  failed(): number | null {
    if (++this.inARow < BROKEN_AFTER_FAILURES) return null;
    this.inARow = 0;
    const waitMs = this.reloaded ? BROKEN_AGAIN_RELOAD_MS : 0;
    this.reloaded = true;
    return waitMs;
  }
}
