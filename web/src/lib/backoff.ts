// Reconnect delays shared by the worker socket, the model loader and the board's live feed.
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 10_000;

/**
 * Delay before retry number `attempt` (0-based): doubles from 0.5 s up to 10 s, with
 * "equal jitter" (half fixed, half random) so a fleet that lost the master together
 * does not come back in lockstep, yet never retries immediately.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  return ceiling / 2 + random() * (ceiling / 2);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
