import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { JobDetailView, JobView, Verification } from '../../../master/api-types.ts';
import { ApiError, getJob, jobImageUrl } from '../api.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { errorMessage } from '../lib/errors.ts';
import { classLabel } from '../lib/class-labels.ts';
import { formatBytes, formatCredibility, formatMs, formatTime, shortLabel } from '../lib/format.ts';
import { endToEndMs, queuedAgainAt, queueMs } from '../lib/job-timing.ts';
import { verificationExplanation, waitingAnswers } from '../lib/verification.ts';
import { navigate } from '../router.ts';
import { AdminGate, ownerOrAdmin } from '../state/admin-gate.ts';
import { jobFeed } from '../state/job-feed.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { verificationPolicy } from '../state/verification-policy.ts';
import { jobDetailStyles } from './job-detail.styles.ts';
import { retryImage, showImage } from './image-failures.ts';
import { reportAction } from './report-action.ts';
import { CLASS_LABELS, strangerNameStyles, workerNamed, type ShownText } from './stranger-name.ts';
import { attemptReason, workerWordsStyles } from './worker-words.ts';
import { buttonStyles, dataTableStyles, factListStyles, panelStyles, trustedOnlyStyles } from './shared.styles.ts';
import './attempt-timeline.ts';
import './confidence-bars.ts';
import './feed-banner.ts';
import './status-chip.ts';
import './verification-badge.ts';

/** Characters of a worker id the answers table shows; the whole id is its title. */
const WORKER_ID_SHOWN = 8;

/**
 * One job in full: the image, the top five labels, how far they are verified and by whose answers,
 * its timings and every attempt. The live
 * feed says when the job moves; the page then fetches the detail (with its timeline) again.
 */
export class JobDetail extends LitElement {
  static override styles = [
    buttonStyles,
    panelStyles,
    factListStyles,
    dataTableStyles,
    trustedOnlyStyles,
    strangerNameStyles,
    workerWordsStyles,
    jobDetailStyles,
  ];
  static override properties = {
    jobId: { attribute: 'job-id' },
    detail: { state: true },
    error: { state: true },
    notice: { state: true },
    problem: { state: true },
    confirming: { state: true },
  };

  jobId = '';
  detail: JobDetailView | null = null;
  /** Why the job could not be shown (not found, master unreachable). */
  error: string | null = null;
  notice: ShownText = '';
  problem: ShownText = '';
  confirming = false;
  private fetching = false;
  /** The job moved while a fetch was under way: fetch once more. */
  private stale = false;
  /** Failed fetches in a row; after one, the feed's next refetch waits (a master answering 503 or 429 is not to be asked 20 times a second). */
  private failures = 0;
  /** Until when the feed may not ask for another fetch. */
  private retryAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly admin = new AdminGate(this);

  constructor() {
    super();
    new SubscriptionController(this, (onChange) =>
      jobFeed.subscribe(() => {
        this.followFeed();
        onChange();
      }),
    );
    new SubscriptionController(this, (onChange) => verificationPolicy.subscribe(onChange));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('jobId')) {
      this.detail = null;
      this.error = null;
      this.confirming = false;
      this.failures = 0;
      this.retryAt = 0;
      void this.fetch();
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.cancelRetry();
  }

  protected override render() {
    return html`
      <a class="back" href="/">← All jobs</a>
      <feed-banner .connection=${jobFeed.connection} .refusal=${jobFeed.refusal} .error=${null}></feed-banner>
      ${this.detail ? this.renderJob(this.detail) : this.renderWaiting()} ${this.admin.render()}
    `;
  }

  private renderWaiting() {
    if (!this.error) return html`<p role="status">Loading the job…</p>`;
    return html`
      <h1>Job not shown</h1>
      <p class="problem" role="alert">${this.error}</p>
      <button class="secondary" @click=${() => this.fetch()}>Try again</button>
    `;
  }

  private renderJob(job: JobDetailView) {
    const gone = jobFeed.isDeleted(job.id);
    return html`
      <div class="head">
        <h1 tabindex="-1"><bdi>${job.fileName}</bdi></h1>
        ${gone ? nothing : html`<status-chip .status=${job.status}></status-chip>`}
        ${job.status === 'done' ? html`<verification-badge .verification=${job.result?.verification}></verification-badge>` : nothing}
        ${job.trustedOnly ? html`<span class="trusted-only">trusted workers only</span>` : nothing}
        <div class="actions">
          ${job.status === 'failed' && !gone && !job.imageExpiredAt ? html`<button class="secondary" @click=${this.retry}>Retry</button>` : nothing}
          ${
            gone
              ? nothing
              : html`<button class="danger" ?data-confirming=${this.confirming} @click=${this.deleteJob} @blur=${() => (this.confirming = false)}>
                ${this.confirming ? 'Really delete?' : 'Delete'}
              </button>`
          }
        </div>
      </div>
      <p class="notice" role="status">${gone ? 'This job has been deleted.' : this.notice}</p>
      <p class="problem" role="alert">${this.problem}</p>
      <div class="layout">
        <figure class="panel">
          ${
            job.imageExpiredAt
              ? html`<p class="expired">
                  Image expired <time datetime=${job.imageExpiredAt}>${formatTime(job.imageExpiredAt)}</time>: images are deleted a while after their job
                  ends. ${job.status === 'failed' ? 'Without it the job cannot be retried.' : 'The result is kept.'}
                </p>`
              : html`<img src=${jobImageUrl(job.id)} alt=${`The uploaded image, ${job.fileName}`} @load=${showImage} @error=${retryImage} />`
          }
          <figcaption>${job.contentType}, ${formatBytes(job.size)}</figcaption>
        </figure>
        <div class="facts">
          <section class="panel" aria-labelledby="labels">
            <h2 id="labels">What the model sees</h2>
            ${this.renderOutcome(job, gone)}
          </section>
          ${job.result?.verification ? this.renderVerification(job.result.verification) : nothing}
          <section class="panel" aria-labelledby="timing">
            <h2 id="timing">Timing</h2>
            ${this.renderTiming(job)}
          </section>
          <section class="panel" aria-labelledby="attempts">
            <h2 id="attempts">Attempts</h2>
            <attempt-timeline .attempts=${job.timeline}></attempt-timeline>
          </section>
        </div>
      </div>
    `;
  }

  private renderOutcome(job: JobDetailView, gone: boolean) {
    if (job.result) return html`<confidence-bars .predictions=${job.result.predictions} limit="5"></confidence-bars>`;
    if (job.status === 'failed') return html`<p class="failure">${job.error ?? 'It failed, with no reason given.'}</p>`;
    // Its last known status (queued, running) will never move again: no worker is coming.
    if (gone) return html`<p class="muted">Deleted before any worker finished it.</p>`;
    const waiting =
      job.status === 'leased'
        ? html`Running on ${workerNamed(job.worker, job.holderClass)}…`
        : `Waiting for ${job.trustedOnly ? 'a trusted worker' : 'a worker'}…`;
    const answers = waitingAnswers(job, verificationPolicy.value);
    // A job back in the queue says why: an attempt failed, or its result leaned on a blacklisted volunteer.
    return html`
      <p class="muted">${waiting}</p>
      ${answers ? html`<p class="votes">${answers}.</p>` : nothing} ${job.error ? html`<p class="requeued">${requeuedBecause(job)}</p>` : nothing}
    `;
  }

  private renderVerification(verification: Verification) {
    return html`
      <section class="panel" aria-labelledby="verification">
        <h2 id="verification">Verification</h2>
        <p class="explanation">${verificationExplanation(verification)}</p>
        <dl>
          <dt>Credibility</dt>
          <dd>${formatCredibility(verification.credibility)}</dd>
        </dl>
        <div class="scroll" tabindex="0" role="region" aria-label="Answers">
          <table>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Class</th>
                <th scope="col">Top answer</th>
                <th scope="col">Agreed</th>
              </tr>
            </thead>
            <tbody>
              ${verification.replicas.map(
                (replica) => html`
                  <tr>
                    <td><code title=${replica.workerId}>${replica.workerId.slice(0, WORKER_ID_SHOWN)}</code></td>
                    <td>${CLASS_LABELS[replica.workerClass]}</td>
                    <td title=${classLabel(replica.top1)}>${shortLabel(classLabel(replica.top1))}</td>
                    <td>
                      <span class=${replica.agreed ? 'agreed' : 'disagreed'} role="img" aria-label=${replica.agreed ? 'agreed' : 'did not agree'}
                        >${replica.agreed ? '✓' : '✗'}</span
                      >
                    </td>
                  </tr>
                `,
              )}
            </tbody>
          </table>
        </div>
      </section>
    `;
  }

  private renderTiming(job: JobDetailView) {
    const queue = queueMs(job);
    const queuedAgain = queuedAgainAt(job);
    const total = endToEndMs(job);
    const row = (term: string, value: unknown) => html`<dt>${term}</dt><dd>${value}</dd>`;
    return html`
      <dl>
        ${row('Submitted', html`<time datetime=${job.submittedAt}>${formatTime(job.submittedAt)}</time>`)}
        ${queue === null ? nothing : row('Queue', formatMs(queue))}
        ${queuedAgain === null ? nothing : row('Queued again', html`<time datetime=${queuedAgain}>${formatTime(queuedAgain)}</time>`)}
        ${job.result ? row('Inference', formatMs(job.result.inferenceMs)) : nothing}
        ${total === null ? nothing : row('End to end', formatMs(total))}
        ${job.result ? row('Backend', html`${job.result.backend} on ${workerNamed(job.worker, job.result.workerClass)}`) : nothing}
        ${job.result ? row('Model', html`<code title=${job.result.model}>${job.result.model.slice(0, 12)}</code>`) : nothing}
        ${row('Attempts', job.attempts)}
      </dl>
    `;
  }

  /** Fetches the shown job; a request made while one is under way runs once that one is back. */
  private async fetch(): Promise<void> {
    this.cancelRetry();
    if (this.fetching) {
      this.stale = true;
      return;
    }
    this.fetching = true;
    let ok: boolean;
    try {
      do {
        this.stale = false;
        ok = await this.load(this.jobId);
      } while (this.stale && ok);
    } finally {
      this.fetching = false;
    }
    // The job moved again while a failed fetch was out: that one waits its turn too.
    if (this.stale) this.fetchWhenAllowed();
  }

  /** Answers whether the fetch worked (a fetch for a job no longer shown counts as working). */
  private async load(id: string): Promise<boolean> {
    if (!id) return true;
    try {
      const detail = await getJob(id);
      if (id !== this.jobId) return true;
      this.detail = detail;
      this.error = null;
      this.failures = 0;
      this.retryAt = 0;
      document.title = `${detail.fileName} · Browser Grid`;
      return true;
    } catch (error) {
      if (id !== this.jobId) return true;
      // Not the id: it comes from the link, and anyone can craft one to put their words (bidi tricks too) in this alert.
      this.error = error instanceof ApiError && error.status === 404 ? 'There is no such job; it may have been deleted.' : errorMessage(error);
      this.retryAt = Date.now() + backoffDelay(this.failures++);
      return false;
    }
  }

  /** Fetch again when the feed reports this job in a state the page does not show yet. */
  private followFeed(): void {
    const live = jobFeed.job(this.jobId);
    if ((live && this.detail && moved(live, this.detail)) || (live && this.error)) this.fetchWhenAllowed();
  }

  /** Fetches now, or after the failed one's backoff delay: once, however often the feed asks meanwhile. */
  private fetchWhenAllowed(): void {
    if (this.retryTimer) return;
    const wait = this.retryAt - Date.now();
    if (wait <= 0) void this.fetch();
    else this.retryTimer = setTimeout(() => void this.fetch(), wait);
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async retry(): Promise<void> {
    const prompt = { heading: 'Admin token needed', message: ownerOrAdmin(null, 'retry'), action: 'Retry job' };
    await reportAction(this, () => this.admin.run((token) => jobFeed.retry(this.jobId, token), prompt), 'Queued again.', 'Could not retry');
    void this.fetch();
  }

  private async deleteJob(): Promise<void> {
    if (!this.confirming) {
      this.confirming = true;
      return;
    }
    this.confirming = false;
    const id = this.jobId;
    const prompt = { heading: 'Admin token needed', message: ownerOrAdmin(null, 'delete'), action: 'Delete job' };
    if (await reportAction(this, () => this.admin.run((token) => jobFeed.remove(id, token), prompt), 'Deleted.', 'Could not delete')) navigate('/');
  }
}

/** Why a queued job is back in the queue: a failure in its worker's words, quoted under who said them; else the master's reason. */
function requeuedBecause(job: JobDetailView) {
  const last = job.timeline.at(-1);
  return last?.outcome === 'failed' ? attemptReason(last) : job.error;
}

/**
 * Whether the feed's job differs from the shown one in anything the page shows: an image expiring too, which takes away
 * the image and the retry, and a done job's verification, which the master can withdraw after the job ended.
 */
function moved(live: JobView, shown: JobView): boolean {
  return (
    live.status !== shown.status ||
    live.attempts !== shown.attempts ||
    live.finishedAt !== shown.finishedAt ||
    live.startedAt !== shown.startedAt ||
    live.queuedAt !== shown.queuedAt ||
    live.imageExpiredAt !== shown.imageExpiredAt ||
    live.result?.verification?.state !== shown.result?.verification?.state
  );
}

customElements.define('job-detail', JobDetail);

declare global {
  interface HTMLElementTagNameMap {
    'job-detail': JobDetail;
  }
}
