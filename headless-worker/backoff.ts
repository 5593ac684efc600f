// Delay before relaunching a worker that keeps dying, so a broken master or
// browser is not hammered with relaunches.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000 };

/** Delay before relaunch number `failures + 1`: initialMs doubling each time, capped at maxMs. */
export function backoffDelayMs(failures: number, { initialMs, maxMs }: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(maxMs, initialMs * 2 ** failures);
}

/** Counts consecutive failures; reset once a worker has proven itself healthy. */
export class Backoff {
  #failures = 0;

  constructor(private readonly options: BackoffOptions = DEFAULT_BACKOFF) {}

  nextDelayMs(): number {
    return backoffDelayMs(this.#failures++, this.options);
  }

  reset(): void {
    this.#failures = 0;
  }
}
