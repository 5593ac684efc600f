import { LitElement, html, nothing, type PropertyValues } from 'lit';
import type { JobView } from '../../../master/api-types.ts';
import { formatBytes } from '../lib/format.ts';
import { jobPagePath } from '../router.ts';
import type { UploadItem } from '../state/upload-queue.ts';
import { hideImage } from './image-failures.ts';
import { buttonStyles, panelStyles } from './shared.styles.ts';
import { thumbnailStyles } from './thumbnail.styles.ts';
import { uploadItemStyles } from './upload-item.styles.ts';
import './confidence-bars.ts';
import './status-chip.ts';
import './verification-badge.ts';

export type UploadRetryEvent = CustomEvent<{ key: string }>;

/**
 * One chosen file: its preview, how its upload goes, and once it is a job, the job's live
 * status and labels. Asks for another try with "upload-retry".
 */
export class UploadItemView extends LitElement {
  static override styles = [buttonStyles, panelStyles, thumbnailStyles, uploadItemStyles];
  static override properties = {
    item: { attribute: false },
    job: { attribute: false },
    deleted: { attribute: false },
  };

  item: UploadItem | null = null;
  /** The job this file became, as the live feed knows it. */
  job: JobView | null = null;
  /** The job this file became was deleted (by its owner, or the admin's "Clear all"). */
  deleted = false;
  private preview: { file: File; url: string } | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    // A local blob: URL shows the picture before (and without) any upload.
    if (changed.has('item') && this.item && this.preview?.file !== this.item.file) {
      this.revokePreview();
      this.preview = { file: this.item.file, url: URL.createObjectURL(this.item.file) };
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.revokePreview();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Back in the page after a disconnect: the URL was revoked, make a new one.
    if (this.hasUpdated && this.item && !this.preview) this.requestUpdate('item');
  }

  protected override render() {
    const item = this.item;
    if (!item) return nothing;
    return html`
      <div class="item">
        <span class="thumb"><img src=${this.preview?.url ?? ''} alt="" decoding="async" @error=${hideImage} /></span>
        <div class="file">
          <span class="name" title=${item.file.name}>${item.file.name}</span>
          ${this.renderUpload(item)}
        </div>
        <div class="outcome">${this.renderOutcome(item)}</div>
      </div>
    `;
  }

  private renderUpload(item: UploadItem) {
    const size = item.file.size;
    switch (item.state) {
      case 'waiting':
        // A file the master was too busy for says so while it waits for its next try.
        return html`<span class="line">${formatBytes(size)} · waiting to upload</span>${item.error ? html`<span class="line">${item.error}</span>` : nothing}`;
      case 'uploading':
        return html`
          <progress max=${size} .value=${item.loaded} aria-label=${`Uploading ${item.file.name}`}></progress>
          <span class="line">${formatBytes(item.loaded)} of ${formatBytes(size)}</span>
        `;
      case 'sent':
        return html`<span class="line">${formatBytes(size)} · uploaded</span>`;
      case 'failed':
        return html`<span class="line">${formatBytes(size)} · not uploaded</span>`;
    }
  }

  private renderOutcome(item: UploadItem) {
    if (item.state === 'failed') {
      return html`
        <span class="error">${item.error}</span>
        ${
          item.retryable
            ? html`<span><button class="secondary small" aria-label=${`Retry uploading ${item.file.name}`} @click=${this.retry}>Retry</button></span>`
            : nothing
        }
      `;
    }
    if (this.deleted) return html`<span class="waiting">Deleted: this job is no longer on the grid.</span>`;
    const job = this.job;
    if (!job) return html`<span class="waiting">${item.state === 'sent' ? 'Queued…' : ''}</span>`;
    return html`
      <span>
        <status-chip .status=${job.status}></status-chip>
        ${job.status === 'done' ? html`<verification-badge .verification=${job.result?.verification}></verification-badge>` : nothing}
        <a href=${jobPagePath(job.id)} aria-label=${`Details of ${item.file.name}`}>Details</a>
      </span>
      ${
        job.result
          ? html`<confidence-bars .predictions=${job.result.predictions} limit="3"></confidence-bars>`
          : job.status === 'failed'
            ? html`<span class="error">${job.error ?? 'failed'}</span>`
            : nothing
      }
    `;
  }

  private retry(): void {
    this.dispatchEvent(new CustomEvent('upload-retry', { detail: { key: this.item!.key }, bubbles: true, composed: true }));
  }

  private revokePreview(): void {
    if (this.preview) URL.revokeObjectURL(this.preview.url);
    this.preview = null;
  }
}

customElements.define('upload-item', UploadItemView);

declare global {
  interface HTMLElementTagNameMap {
    'upload-item': UploadItemView;
  }
  interface HTMLElementEventMap {
    'upload-retry': UploadRetryEvent;
  }
}
