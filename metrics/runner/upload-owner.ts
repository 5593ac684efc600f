// Who a client's uploads belong to (POST /api/owner). An Idempotency-Key is its owner's own, so a client that
// retries uploads must send every attempt as one owner: with the API key or owner key it was given, or with an
// owner key the master issues it once, before the first upload.
import { backoffDelay } from '../../common/backoff.ts';
import type { RetryPolicy } from './retrying-request.ts';

export interface UploadOwner {
  /** The owner id the master stores on the jobs. */
  owner: string;
  /** What every request sends as "Authorization: Bearer <key>". */
  key: string;
  /** true when the master issued the key just now (the client should show it: it is needed to delete or retry). */
  issued: boolean;
}

/** Asks the master, riding out a master that is briefly away or busy (within policy.giveUpAfterMs). */
export async function uploadOwner(masterUrl: string, key: string | undefined, policy: RetryPolicy): Promise<UploadOwner> {
  const giveUpAt = Date.now() + policy.giveUpAfterMs;
  for (let failures = 0; ; failures++) {
    let problem: string;
    try {
      const response = await fetch(new URL('/api/owner', masterUrl), {
        method: 'POST',
        headers: key ? { Authorization: `Bearer ${key}` } : {},
        signal: AbortSignal.timeout(policy.attemptTimeoutMs),
      });
      const text = await response.text();
      if (response.ok) {
        const body = JSON.parse(text) as { owner: string; ownerKey?: string };
        return { owner: body.owner, key: body.ownerKey ?? key!, issued: body.ownerKey !== undefined };
      }
      problem = `the master answered ${response.status}: ${text.slice(0, 300)}`;
      if (response.status < 500 && response.status !== 429 && response.status !== 408) throw new Error(problem);
    } catch (error) {
      if (!(error instanceof TypeError || (error instanceof DOMException && error.name === 'TimeoutError'))) throw error;
      problem = `cannot reach the master: ${error.message}`;
    }
    const delay = backoffDelay(failures, { initialMs: policy.backoffInitialMs, maxMs: policy.backoffMaxMs, jitter: true });
    if (Date.now() + delay > giveUpAt) throw new Error(`no owner for the uploads: ${problem}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
