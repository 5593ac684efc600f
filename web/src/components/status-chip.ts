import { LitElement, html } from 'lit';
import type { JobStatus } from '../../../master/api-types.ts';
import { statusChipStyles } from './status-chip.styles.ts';

/** Words people use: "leased" is the master's term for a job a worker is running. */
export const STATUS_LABELS: Record<JobStatus, string> = {
  queued: 'queued',
  leased: 'running',
  done: 'done',
  failed: 'failed',
};

/** A job's status as a coloured pill; the word is always shown, so colour is never the only cue. */
export class StatusChip extends LitElement {
  static override styles = statusChipStyles;
  static override properties = { status: {} };

  status: JobStatus = 'queued';

  protected override render() {
    return html`<span data-status=${this.status}>${STATUS_LABELS[this.status]}</span>`;
  }
}

customElements.define('status-chip', StatusChip);

declare global {
  interface HTMLElementTagNameMap {
    'status-chip': StatusChip;
  }
}
