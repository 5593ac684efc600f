// One HTTP request retried while the master is busy or away: the retry rule the
// uploads, the batch client's status reads and the study's waits all follow.
import { backoffDelay, type BackoffPolicy } from '../../common/backoff.ts';

export interface RetryPolicy {
  /** One attempt is abandoned after this long (a lossy TCP connection can stall indefinitely). */
  attemptTimeoutMs: number;
  /** No new attempt starts later than this after the first; the request is then given up. */
  giveUpAfterMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

/** Doubling from backoffInitialMs to backoffMaxMs, with jitter so stalled requests do not retry in step. */
export const retryBackoff = (policy: Pick<RetryPolicy, 'backoffInitialMs' | 'backoffMaxMs'>): BackoffPolicy => ({
  initialMs: policy.backoffInitialMs,
  maxMs: policy.backoffMaxMs,
  jitter: true,
});

/** The wait before retry number `retry` (0-based): the master's Retry-After when it gave one, else the backoff. */
export function retryDelay(
  answer: Pick<Answer, 'headers'>,
  retry: number,
  policy: Pick<RetryPolicy, 'backoffInitialMs' | 'backoffMaxMs'>,
  random = Math.random,
): number {
  const retryAfter = Number(answer.headers?.get('retry-after'));
  return retryAfter > 0 ? retryAfter * 1000 : backoffDelay(retry, retryBackoff(policy), random);
}

/** One attempt: the master's answer, or why none came (status null). */
export interface Answer {
  startedAt: number;
  endedAt: number;
  status: number | null;
  headers: Headers | null;
  /** The body of an answer; for no answer, what went wrong in plain words. */
  text: string;
  timedOut: boolean;
}

/** The master's own trouble (5xx), a cap on this client (429), a request cut off as too slow (408): worth another try. */
export const isBusy = (status: number) => status >= 500 || status === 429 || status === 408;

/**
 * Sends the request until it is answered with something other than "busy", or until the next
 * attempt would start after `giveUpAt` (epoch ms). Honours Retry-After; otherwise backs off.
 * `init` is called per attempt, so a body is built fresh each time. Returns every attempt, the last one last.
 */
export async function requestWithRetries(
  url: URL,
  init: () => RequestInit,
  policy: RetryPolicy,
  giveUpAt: number = Date.now() + policy.giveUpAfterMs,
): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (;;) {
    const answer = await requestOnce(url, init(), policy.attemptTimeoutMs);
    answers.push(answer);
    if (answer.status !== null && !isBusy(answer.status)) return answers;
    const delay = retryDelay(answer, answers.length - 1, policy);
    if (Date.now() + delay > giveUpAt) return answers;
    await sleep(delay);
  }
}

async function requestOnce(url: URL, init: RequestInit, timeoutMs: number): Promise<Answer> {
  const startedAt = Date.now();
  const answer = (status: number | null, headers: Headers | null, text: string, timedOut = false): Answer => ({
    startedAt,
    endedAt: Date.now(),
    status,
    headers,
    text,
    timedOut,
  });
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return answer(response.status, response.headers, await response.text()); // still under the timeout: a body can stall too
  } catch (error) {
    const timedOut = error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return answer(null, null, timedOut ? `did not answer within ${timeoutMs} ms` : describe(error), timedOut);
  }
}

/** A failed attempt in plain words, for error messages. */
export function describeAnswer(answer: Answer): string {
  if (answer.timedOut) return `the master ${answer.text}`;
  return answer.status === null ? `cannot reach the master: ${answer.text}` : `the master answered ${answer.status}: ${answer.text.slice(0, 200)}`;
}

/** An answer that is not what was asked for (a proxy's page, other JSON), quoted in short so a person can tell what answered. */
export const quoteAnswer = (answer: Answer): string => `${answer.headers?.get('content-type') ?? 'no content type'}: ${answer.text.slice(0, 200)}`;

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
