// Exponential backoff, the one formula every retry loop uses: the master's Redis reconnects, the fleet's
// relaunches, the batch client's and the study's retries, and the web app's reconnects.

export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** No delay is longer. */
  maxMs: number;
  /** "Equal jitter": half of each delay fixed, half random, so clients that failed together do not retry in step. */
  jitter?: boolean;
}

/** Delay before retry number `retry` (0-based): initialMs, doubling with every retry, capped at maxMs. */
export function backoffDelay(retry: number, { initialMs, maxMs, jitter = false }: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, retry));
  return jitter ? ceiling / 2 + random() * (ceiling / 2) : ceiling;
}

/** Counts consecutive failures to size the next delay; reset once things work again. */
export class Backoff {
  #failures = 0;

  constructor(private readonly policy: BackoffPolicy) {}

  nextDelayMs(): number {
    return backoffDelay(this.#failures++, this.policy);
  }

  reset(): void {
    this.#failures = 0;
  }
}
