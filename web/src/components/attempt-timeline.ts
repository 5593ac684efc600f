import { LitElement, html, nothing } from 'lit';
import type { AttemptOutcome, AttemptView } from '../../../master/api-types.ts';
import { formatMs, formatTime } from '../lib/format.ts';
import { msBetween } from '../lib/job-timing.ts';
import { attemptTimelineStyles } from './attempt-timeline.styles.ts';
import { strangerNameStyles, workerNamed } from './stranger-name.ts';
import { attemptReason, workerWordsStyles } from './worker-words.ts';

const OUTCOME_LABELS: Record<AttemptOutcome, string> = {
  running: 'running',
  done: 'done',
  answered: 'answered: a vote, weighed with the others',
  failed: 'failed',
  expired: 'lease expired',
  lost: 'worker lost',
  recovered: 'recovered after a master restart',
  refused: 'answer refused as nonsense',
  'image-missing': 'image missing: failed by the master',
};

/** Every lease of a job, oldest first: who ran it, on what, when, and how it ended. */
export class AttemptTimeline extends LitElement {
  static override styles = [strangerNameStyles, workerWordsStyles, attemptTimelineStyles];
  static override properties = { attempts: { attribute: false } };

  attempts: readonly AttemptView[] = [];

  protected override render() {
    if (this.attempts.length === 0) return html`<p class="none">No worker has picked this job up yet.</p>`;
    return html`<ol>${this.attempts.map((attempt) => this.renderAttempt(attempt))}</ol>`;
  }

  private renderAttempt(attempt: AttemptView) {
    return html`
      <li data-outcome=${attempt.outcome}>
        <div class="head">
          <strong>Attempt ${attempt.attempt}</strong>
          <span>${workerNamed(attempt.workerName, attempt.workerClass)} · ${attempt.backend}</span>
          <span class="outcome">${OUTCOME_LABELS[attempt.outcome]}</span>
        </div>
        <div class="when">
          <time datetime=${attempt.startedAt}>${formatTime(attempt.startedAt)}</time>
          ${
            attempt.endedAt
              ? html`→ <time datetime=${attempt.endedAt}>${formatTime(attempt.endedAt)}</time>
                (${formatMs(msBetween(attempt.startedAt, attempt.endedAt))})`
              : '→ still running'
          }
        </div>
        ${attempt.reason ? html`<p class="reason">${attemptReason(attempt)}</p>` : nothing}
      </li>
    `;
  }
}

customElements.define('attempt-timeline', AttemptTimeline);

declare global {
  interface HTMLElementTagNameMap {
    'attempt-timeline': AttemptTimeline;
  }
}
