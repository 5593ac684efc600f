import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { JobView } from '../../../master/api-types.ts';
import { jobImageUrl } from '../api.ts';
import { formatMs, formatTime } from '../lib/format.ts';
import { queuedAgainAt, queueMs } from '../lib/job-timing.ts';
import { waitingAnswers } from '../lib/verification.ts';
import { jobPagePath } from '../router.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { verificationPolicy } from '../state/verification-policy.ts';
import { jobRowStyles } from './job-row.styles.ts';
import { retryImage, showImage } from './image-failures.ts';
import { strangerNameStyles, workerNamed } from './stranger-name.ts';
import { buttonStyles, trustedOnlyStyles } from './shared.styles.ts';
import { thumbnailStyles } from './thumbnail.styles.ts';
import './confidence-bars.ts';
import './status-chip.ts';
import './verification-badge.ts';

/** How long "Delete" waits for the confirming second click. */
const CONFIRM_MS = 4000;

export type JobActionEvent = CustomEvent<{ id: string }>;

/**
 * One job: thumbnail ("image expired" once retention deleted it), name (a link to its page), status,
 * how far its result is verified, times, the top three labels or what went wrong, and its actions.
 * Actions are asked for with "job-retry" and "job-delete" events; the board carries them out.
 */
export class JobRow extends LitElement {
  static override styles = [buttonStyles, thumbnailStyles, trustedOnlyStyles, strangerNameStyles, jobRowStyles];
  static override properties = {
    job: { attribute: false },
    confirming: { state: true },
  };

  job: JobView | null = null;
  /** Delete was clicked once; a second click within CONFIRM_MS deletes. */
  confirming = false;
  private confirmTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => verificationPolicy.subscribe(onChange));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // A half-confirmed delete belongs to the job it was clicked on, not to whatever this row shows next.
    if (changed.has('job') && changed.get('job')?.id !== this.job?.id) this.stopConfirming();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopConfirming();
  }

  protected override render() {
    const job = this.job;
    if (!job) return nothing;
    // The thumbnail repeats what the name says, so it is decorative (empty alt).
    return html`
      <div class="row">
        ${
          job.imageExpiredAt
            ? html`<span class="thumb expired" title=${`The image was deleted ${formatTime(job.imageExpiredAt)}; the result is kept`}>image expired</span>`
            : html`<span class="thumb"><img src=${jobImageUrl(job.id)} alt="" loading="lazy" decoding="async" @load=${showImage} @error=${retryImage} /></span>`
        }
        <div class="main">
          <div class="title">
            <a class="name" href=${jobPagePath(job.id)} title=${job.fileName}>${job.fileName}</a>
            <status-chip .status=${job.status}></status-chip>
            ${job.status === 'done' ? html`<verification-badge .verification=${job.result?.verification}></verification-badge>` : nothing}
            ${job.trustedOnly ? html`<span class="trusted-only">trusted workers only</span>` : nothing}
          </div>
          <div class="meta">${this.renderMeta(job)}</div>
        </div>
        <div class="outcome">${this.renderOutcome(job)}</div>
        <div class="actions">${this.renderActions(job)}</div>
      </div>
    `;
  }

  private renderOutcome(job: JobView) {
    if (job.result) return html`<confidence-bars .predictions=${job.result.predictions} limit="3"></confidence-bars>`;
    if (job.status === 'failed') return html`<span class="error">${job.error ?? 'failed'}</span>`;
    const answers = waitingAnswers(job, verificationPolicy.value);
    // A job holding volunteers' answers says so, or it would look as if no one had looked at it.
    if (answers)
      return html`<span class="waiting votes">${answers}${job.status === 'leased' ? html`; running on ${workerNamed(job.worker, job.holderClass)}` : ''}…</span>`;
    if (job.status === 'leased') return html`<span class="waiting">Running on ${workerNamed(job.worker, job.holderClass)}…</span>`;
    return html`<span class="waiting">Waiting for ${job.trustedOnly ? 'a trusted worker' : 'a worker'}…</span>`;
  }

  private renderMeta(job: JobView) {
    const queue = queueMs(job);
    const queuedAgain = queuedAgainAt(job);
    return [
      html`<span>Submitted <time datetime=${job.submittedAt}>${formatTime(job.submittedAt)}</time></span>`,
      queue === null ? nothing : html`<span>Queue ${formatMs(queue)}</span>`,
      // A job back in the queue has waited since then, not since it was submitted.
      queuedAgain === null ? nothing : html`<span>Queued again <time class="queued" datetime=${queuedAgain}>${formatTime(queuedAgain)}</time></span>`,
      job.result ? html`<span>Inference ${formatMs(job.result.inferenceMs)}</span>` : nothing,
      job.result ? html`<span>${job.result.backend} on ${workerNamed(job.worker, job.result.workerClass)}</span>` : nothing,
      job.attempts > 1 ? html`<span>Attempt ${job.attempts}</span>` : nothing,
    ];
  }

  private renderActions(job: JobView) {
    return html`
      ${
        // Without its image a failed job has nothing left to retry on.
        job.status === 'failed' && !job.imageExpiredAt
          ? html`<button class="secondary small" aria-label=${`Retry ${job.fileName}`} @click=${() => this.ask('job-retry')}>Retry</button>`
          : nothing
      }
      <button
        class="danger small"
        ?data-confirming=${this.confirming}
        aria-label=${this.confirming ? `Really delete ${job.fileName}?` : `Delete ${job.fileName}`}
        @click=${this.onDelete}
        @blur=${this.stopConfirming}
      >
        ${this.confirming ? 'Really delete?' : 'Delete'}
      </button>
    `;
  }

  private onDelete(): void {
    if (!this.confirming) {
      this.confirming = true;
      this.confirmTimer = setTimeout(() => this.stopConfirming(), CONFIRM_MS);
      return;
    }
    this.stopConfirming();
    this.ask('job-delete');
  }

  private readonly stopConfirming = () => {
    if (this.confirmTimer) clearTimeout(this.confirmTimer);
    this.confirmTimer = null;
    this.confirming = false;
  };

  private ask(type: 'job-retry' | 'job-delete'): void {
    this.dispatchEvent(new CustomEvent(type, { detail: { id: this.job!.id }, bubbles: true, composed: true }));
  }
}

customElements.define('job-row', JobRow);

declare global {
  interface HTMLElementTagNameMap {
    'job-row': JobRow;
  }
  interface HTMLElementEventMap {
    'job-retry': JobActionEvent;
    'job-delete': JobActionEvent;
  }
}
