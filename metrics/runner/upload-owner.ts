// Who a client's uploads belong to (POST /api/owner). An Idempotency-Key is its owner's own, so a client that
// retries uploads must send every attempt as one owner: with the API key or owner key it was given, or with an
// owner key the master issues it once, before the first upload.
import type { UploadLimits } from '../../master/api-types.ts';
import { describeAnswer, requestWithRetries, type RetryPolicy } from './retrying-request.ts';

export interface UploadOwner {
  /** The owner id the master stores on the jobs. */
  owner: string;
  /** What every request sends as "Authorization: Bearer <key>". */
  key: string;
  /** true when the master issued the key just now (the client should show it: it is needed to delete or retry). */
  issued: boolean;
  /** What one upload may carry; null from a master too old to say. */
  uploadLimits: UploadLimits | null;
}

/** Asks the master, riding out a master that is briefly away or busy (within policy.giveUpAfterMs). */
export async function uploadOwner(masterUrl: string, key: string | undefined, policy: RetryPolicy): Promise<UploadOwner> {
  const init = (): RequestInit => ({ method: 'POST', headers: key ? { Authorization: `Bearer ${key}` } : {} });
  const last = (await requestWithRetries(new URL('/api/owner', masterUrl), init, policy)).at(-1)!;
  if (last.status === null || last.status >= 300) throw new Error(`no owner for the uploads: ${describeAnswer(last)}`);
  const body = JSON.parse(last.text) as { owner: string; ownerKey?: string; uploadLimits?: UploadLimits };
  return { owner: body.owner, key: body.ownerKey ?? key!, issued: body.ownerKey !== undefined, uploadLimits: body.uploadLimits ?? null };
}
