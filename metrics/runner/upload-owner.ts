// Who a client's uploads belong to (POST /api/owner). An Idempotency-Key is its owner's own, so a client that
// retries uploads must send every attempt as one owner: with the API key or owner key it was given, or with an
// owner key the master issues it once, before the first upload.
import { z } from 'zod';
import { UploadLimits } from '../../master/api-types.ts';
import { describeAnswer, quoteAnswer, requestWithRetries, type RetryPolicy } from './retrying-request.ts';

/** What a grid master answers POST /api/owner (master/http/owner-router.ts); uploadLimits is missing from one too old to say. */
const OwnerAnswer = z.object({ owner: z.string(), ownerKey: z.string().optional(), uploadLimits: UploadLimits.optional() });

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
  const url = new URL('/api/owner', masterUrl);
  const last = (await requestWithRetries(url, init, policy)).at(-1)!;
  if (last.status === null || last.status >= 300) throw new Error(`no owner for the uploads: ${describeAnswer(last)}`);
  const body = parseOwner(last.text);
  // Asked without a key, a grid master issues one.
  const ownerKey = body?.ownerKey ?? key;
  if (!body || ownerKey === undefined) {
    // A proxy's page or another service's JSON: most likely the wrong --master.
    throw new Error(`no owner for the uploads: the answer to POST ${url.href} is not what a grid master answers (${quoteAnswer(last)})`);
  }
  return { owner: body.owner, key: ownerKey, issued: body.ownerKey !== undefined, uploadLimits: body.uploadLimits ?? null };
}

function parseOwner(text: string): z.infer<typeof OwnerAnswer> | null {
  try {
    const parsed = OwnerAnswer.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // not JSON at all
  }
}
