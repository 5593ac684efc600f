import { LitElement, html } from 'lit';

/** Placeholder until throughput and latency charts arrive in a later milestone. */
export class StatsPage extends LitElement {
  protected override render() {
    return html`
      <h1>Stats</h1>
      <p>Coming soon: throughput, latency and per-worker speed.</p>
    `;
  }
}

customElements.define('stats-page', StatsPage);

declare global {
  interface HTMLElementTagNameMap {
    'stats-page': StatsPage;
  }
}
