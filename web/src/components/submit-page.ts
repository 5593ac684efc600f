import { LitElement, html, nothing } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { JobView } from '../../../master/api-types.ts';
import { formatBytes, plural } from '../lib/format.ts';
import { jobFeed } from '../state/job-feed.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { uploads, type UploadTotals } from '../state/upload-queue.ts';
import type { FilesChosenEvent } from './drop-zone.ts';
import { buttonStyles, introStyles, panelStyles } from './shared.styles.ts';
import { submitPageStyles } from './submit-page.styles.ts';
import './drop-zone.ts';
import './feed-banner.ts';
import './upload-item.ts';

/** Most jobs the page re-reads on arrival, in case their events went by while it was away. */
const MAX_TRACKED = 100;

// Jobs that became a job enter the feed at once, whether or not this page is showing.
uploads.addEventListener('sent', (event) => jobFeed.adopt((event as CustomEvent<JobView>).detail));

/**
 * Submit: pick, drop or paste images; each uploads on its own with its own progress, and once
 * it is a job its status and labels appear beside it as the grid works on it.
 */
export class SubmitPage extends LitElement {
  static override styles = [buttonStyles, panelStyles, introStyles, submitPageStyles];
  static override properties = { trustedOnly: { state: true } };

  /** Images chosen from now on go private: to the operator's trusted workers only, never to volunteers. */
  trustedOnly = false;

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => jobFeed.subscribe(onChange));
    new SubscriptionController(this, (onChange) => {
      uploads.addEventListener('change', onChange);
      return () => uploads.removeEventListener('change', onChange);
    });
    this.addEventListener('upload-retry', (event) => uploads.retry(event.detail.key));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('paste', this.onPaste);
    const unfinished = uploads.items
      .map((item) => item.jobId)
      .filter((id): id is string => id !== null && !isFinished(jobFeed.job(id)?.status) && !jobFeed.isDeleted(id))
      .slice(-MAX_TRACKED);
    if (unfinished.length > 0) void jobFeed.track(unfinished);
  }

  override disconnectedCallback(): void {
    document.removeEventListener('paste', this.onPaste);
    super.disconnectedCallback();
  }

  protected override render() {
    const totals = uploads.totals;
    return html`
      <h1>Submit images</h1>
      <p class="intro">The grid’s browsers classify each image with MobileNet. Results show up here as they arrive.</p>
      <label class="private">
        <input type="checkbox" .checked=${this.trustedOnly} @change=${(event: Event) => (this.trustedOnly = (event.target as HTMLInputElement).checked)} />
        Private: only the operator’s trusted workers see these images
      </label>
      <drop-zone @files-chosen=${(event: FilesChosenEvent) => uploads.add(event.detail.files, { trustedOnly: this.trustedOnly })}></drop-zone>
      ${totals.files > 0 ? this.renderUploads(totals) : nothing}
    `;
  }

  private renderUploads(totals: UploadTotals) {
    return html`
      <section class="uploads" aria-labelledby="uploads-title">
        <div class="totals">
          <h2 id="uploads-title">Your images</h2>
          <button class="secondary small" ?disabled=${uploads.items.every((item) => item.state === 'waiting' || item.state === 'uploading')} @click=${() => uploads.clearFinished()}>
            Clear finished
          </button>
          <progress max=${Math.max(totals.bytes, 1)} .value=${totals.loaded} aria-label="Total upload progress"></progress>
          <p class="counts">
            <span role="status">${this.summary(totals)}</span>
            ${uploads.busy ? html`<span>· ${formatBytes(totals.loaded)} of ${formatBytes(totals.bytes)} sent</span>` : nothing}
          </p>
        </div>
        <feed-banner .connection=${jobFeed.connection} .refusal=${jobFeed.refusal} .error=${null}></feed-banner>
        <ul class="panel" aria-label="Images">
          ${repeat(
            uploads.items,
            (item) => item.key,
            (item) =>
              html`<li>
                <upload-item .item=${item} .job=${item.jobId ? (jobFeed.job(item.jobId) ?? null) : null} .deleted=${item.jobId ? jobFeed.isDeleted(item.jobId) : false}></upload-item>
              </li>`,
          )}
        </ul>
      </section>
    `;
  }

  /** A live region: read out as files finish, so it leaves out the byte counts that change all the time. */
  private summary(totals: UploadTotals): string {
    const parts = [`${totals.sent} of ${plural(totals.files, 'image')} uploaded`];
    if (totals.failed > 0) parts.push(`${totals.failed} not uploaded`);
    const done = uploads.items.filter((item) => item.jobId && isFinished(jobFeed.job(item.jobId)?.status)).length;
    if (done > 0) parts.push(`${done} finished`);
    return parts.join(' · ');
  }

  /** Pasting an image anywhere on the page (e.g. a screenshot) submits it. */
  private readonly onPaste = (event: ClipboardEvent) => {
    const files = [...(event.clipboardData?.files ?? [])].filter((file) => file.type.startsWith('image/'));
    if (files.length === 0) return;
    event.preventDefault();
    uploads.add(files, { trustedOnly: this.trustedOnly });
  };
}

function isFinished(status: string | undefined): boolean {
  return status === 'done' || status === 'failed';
}

customElements.define('submit-page', SubmitPage);

declare global {
  interface HTMLElementTagNameMap {
    'submit-page': SubmitPage;
  }
}
