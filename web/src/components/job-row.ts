import { LitElement, html, nothing } from 'lit';
import type { JobView } from '../../../master/api-types.ts';
import { jobImageUrl } from '../api.ts';
import { formatMs, formatPercent, formatTime, shortLabel } from '../lib/format.ts';
import { jobRowStyles } from './job-row.styles.ts';
import './status-chip.ts';

/** One job: thumbnail, file name, status, and the top prediction or what went wrong. */
export class JobRow extends LitElement {
  static override styles = jobRowStyles;
  static override properties = { job: { attribute: false } };

  job: JobView | null = null;

  protected override render() {
    const job = this.job;
    if (!job) return nothing;
    // The thumbnail repeats what the file name says, so it is decorative (empty alt).
    return html`
      <div class="row">
        <span class="thumb"><img src=${jobImageUrl(job.id)} alt="" loading="lazy" decoding="async" @error=${hideImage} /></span>
        <span class="name" title=${job.fileName}>${job.fileName}</span>
        <status-chip .status=${job.status}></status-chip>
        <div class="detail">${this.renderOutcome(job)} ${this.renderMeta(job)}</div>
      </div>
    `;
  }

  private renderOutcome(job: JobView) {
    const top = job.result?.predictions[0];
    if (top) {
      return html`<span class="label" title=${top.label}>${shortLabel(top.label)} · ${formatPercent(top.probability)}</span>`;
    }
    if (job.status === 'failed') return html`<span class="error">${job.error ?? 'failed'}</span>`;
    if (job.status === 'leased') return html`<span>running on ${job.worker ?? 'a worker'}</span>`;
    return html`<span>waiting for a worker</span>`;
  }

  private renderMeta(job: JobView) {
    const parts = [html`<time datetime=${job.submittedAt}>${formatTime(job.submittedAt)}</time>`];
    if (job.result) parts.push(html`<span>${formatMs(job.result.inferenceMs)} on ${job.result.backend}, ${job.worker ?? 'worker'}</span>`);
    if (job.attempts > 1) parts.push(html`<span>attempt ${job.attempts}</span>`);
    return parts;
  }
}

/** An undecodable upload shows an empty tile rather than a broken-image icon. */
function hideImage(event: Event): void {
  (event.target as HTMLImageElement).hidden = true;
}

customElements.define('job-row', JobRow);

declare global {
  interface HTMLElementTagNameMap {
    'job-row': JobRow;
  }
}
