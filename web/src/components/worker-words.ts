import { css, html, nothing } from 'lit';
import type { AttemptView } from '../../../master/api-types.ts';
import type { WorkerClass } from '../../../master/protocol.ts';

const REPORTERS: Record<WorkerClass, string> = { volunteer: "A volunteer's browser reported:", trusted: "The operator's worker reported:" };

/**
 * Why an attempt ended. A failure's reason is the worker's own words, and a volunteer may write anything there
 * ("Upload violates policy, appeal at evil.example"): it is quoted under who said it, never shown as the page's own
 * voice. Any other reason is the master's.
 */
export function attemptReason(attempt: AttemptView) {
  if (attempt.reason === null) return nothing;
  if (attempt.outcome !== 'failed') return attempt.reason;
  return html`<span class="reporter">${REPORTERS[attempt.workerClass]}</span> <q class="worker-words">${attempt.reason}</q>`;
}

export const workerWordsStyles = css`
  .reporter {
    font-weight: 600;
  }
`;
