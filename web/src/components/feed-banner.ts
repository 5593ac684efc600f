import { LitElement, html, nothing } from 'lit';
import type { FeedConnection } from '../state/job-feed.ts';
import { feedBannerStyles } from './feed-banner.styles.ts';

/** Says when the board is not live. The live region stays in the page so changes get announced. */
export class FeedBanner extends LitElement {
  static override styles = feedBannerStyles;
  static override properties = {
    connection: {},
    error: {},
    refusal: {},
  };

  connection: FeedConnection = 'connecting';
  error: string | null = null;
  /** The master's reason for turning the live stream away (connection 'refused'). */
  refusal: string | null = null;

  protected override render() {
    return html`<div role="status">${this.message()}</div>`;
  }

  private message() {
    if (this.connection === 'unreachable') return html`<p class="unreachable">Master unreachable — retrying…</p>`;
    if (this.connection === 'refused') return html`<p class="unreachable">No live updates: the master says “${this.refusal}” — retrying…</p>`;
    if (this.connection === 'connecting') return html`<p>Connecting to the master…</p>`;
    if (this.error) return html`<p class="unreachable">${this.error}</p>`;
    return nothing;
  }
}

customElements.define('feed-banner', FeedBanner);

declare global {
  interface HTMLElementTagNameMap {
    'feed-banner': FeedBanner;
  }
}
