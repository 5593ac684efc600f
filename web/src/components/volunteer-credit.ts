import { LitElement, css, html, nothing } from 'lit';
import { MAX_DISPLAY_NAME_LENGTH } from '../../../master/protocol.ts';
import type { OwnStandingView } from '../../../master/api-types.ts';
import { fetchOwnStanding } from '../api.ts';
import { formatCount, formatMs } from '../lib/format.ts';
import { Poller } from '../state/poller.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { identity, runtime, RUNTIME_RENDER_MS } from '../state/volunteer.ts';
import { buttonStyles, factListStyles, panelStyles } from './shared.styles.ts';

/**
 * The volunteer's standing, read only for a volunteer: a fleet page (which earns no credit) asks nothing, as 10,000
 * pages at one request each 5 s would be 2,000 requests a second to the master for nobody. A hidden tab (where donors
 * leave the page) asks nothing either: the poller waits until it is seen.
 */
const standing: Poller<OwnStandingView> = new Poller(async () =>
  runtime.status.workerClass === 'trusted' ? (standing.value ?? { standing: null }) : fetchOwnStanding(identity.current),
);

/** The volunteer's credit as the master counts it (verified images, compute time, rank) and the opt-in name. */
export class VolunteerCredit extends LitElement {
  static override styles = [
    buttonStyles,
    panelStyles,
    factListStyles,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      section {
        padding: 1rem;
      }
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-top: 0.75rem;
      }
      input[type='text'] {
        font: inherit;
        flex: 1 1 10rem;
        min-width: 0;
        padding: 0.3rem 0.5rem;
        border: 1px solid var(--border);
        border-radius: var(--radius);
        background: var(--surface);
        color: var(--text);
      }
      .hint,
      .problem {
        margin: 0.4rem 0 0;
        font-size: 0.9rem;
        color: var(--muted);
      }
      .problem {
        color: var(--danger);
      }
    `,
  ];

  private problem: string | null = null;

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => standing.subscribe(onChange));
    new SubscriptionController(this, (onChange) => runtime.subscribe(onChange), RUNTIME_RENDER_MS);
  }

  protected override render() {
    const own = standing.value?.standing ?? null;
    return html`
      <section class="panel" aria-labelledby="credit">
        <h2 id="credit">Your credit</h2>
        ${
          own
            ? html`<dl class="totals">
              <dt>Verified images</dt>
              <dd>${formatCount(own.images)}</dd>
              <dt>Compute time</dt>
              <dd>${formatMs(own.computeMs)}</dd>
              <dt>Rank</dt>
              <dd>#${own.rank}</dd>
            </dl>`
            : html`<p class="hint">Credit appears here once the master has accepted your first image.</p>`
        }
        <form @submit=${this.onSave}>
          <label for="display-name">Name on the <a href="/volunteers">leaderboard</a></label>
          <input
            id="display-name"
            type="text"
            name="display-name"
            maxlength=${MAX_DISPLAY_NAME_LENGTH}
            placeholder="anonymous"
            .value=${identity.displayName ?? ''}
          />
          <button type="submit" class="secondary small">Save</button>
        </form>
        <p class="hint">
          ${
            identity.displayName
              ? html`Shown as “${identity.displayName}”. Clear the name to be anonymous again.`
              : 'Anonymous: the leaderboard shows no name for you unless you choose one.'
          }
        </p>
        ${this.problem ? html`<p class="problem" role="alert">${this.problem}</p>` : nothing}
      </section>
    `;
  }

  private onSave(event: Event): void {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[name=display-name]')!;
    this.problem = identity.setDisplayName(input.value);
    if (this.problem === null) {
      runtime.setDisplayName(identity.displayName);
      void standing.refresh();
    }
    this.requestUpdate();
  }
}

customElements.define('volunteer-credit', VolunteerCredit);

declare global {
  interface HTMLElementTagNameMap {
    'volunteer-credit': VolunteerCredit;
  }
}
