import { LitElement, html, nothing } from 'lit';
import type { Tally, VolunteersView } from '../../../master/api-types.ts';
import { fetchVolunteers } from '../api.ts';
import { failureDetail } from '../lib/failure-detail.ts';
import { formatCount, formatMs } from '../lib/format.ts';
import { pageOffset } from '../lib/paging.ts';
import { Poller } from '../state/poller.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { buttonStyles, cardGridStyles, dataTableStyles, introStyles, panelStyles } from './shared.styles.ts';
import { strangerName, strangerNameStyles } from './stranger-name.ts';
import { volunteersPageStyles } from './volunteers-page.styles.ts';

/** Volunteers per page asked for; the master may answer fewer (its MAX_LEADERBOARD_PAGE), and paging follows its answer. */
const PAGE_SIZE = 20;

/** The leaderboard of volunteers (live, paged) and what every browser and backend contributed. */
export class VolunteersPage extends LitElement {
  static override styles = [buttonStyles, panelStyles, introStyles, dataTableStyles, cardGridStyles, strangerNameStyles, volunteersPageStyles];

  private offset = 0;
  private readonly poller = new Poller<VolunteersView>(() => fetchVolunteers(this.offset, PAGE_SIZE));

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => this.poller.subscribe(onChange));
  }

  protected override render() {
    const view = this.poller.value;
    // The master's own words go below the alert, not in it (see stats-page.ts).
    return html`
      <h1>Volunteers</h1>
      <p class="intro">
        Everyone whose browser classified images for the grid, by images the master accepted. Names appear only for those who
        chose one on the <a href="/worker">Donate compute</a> page. Updated every 5 s.
      </p>
      <div role="alert">${this.poller.error ? html`<p class="problem">Could not get the leaderboard; trying again.</p>` : nothing}</div>
      ${this.poller.error ? html`<p class="problem-detail">${failureDetail(this.poller.failure)}</p>` : nothing}
      ${view ? this.renderView(view) : this.poller.error ? nothing : html`<p class="empty" role="status">Loading…</p>`}
    `;
  }

  private renderView(view: VolunteersView) {
    const last = Math.min(view.offset + view.volunteers.length, view.total);
    return html`
      <section class="panel board" aria-labelledby="leaderboard">
        <h2 id="leaderboard">Leaderboard</h2>
        ${
          view.total === 0
            ? html`<p class="empty">No credit yet: the first accepted image puts its volunteer here.</p>`
            : html`<div class="scroll" tabindex="0" role="region" aria-label="Leaderboard table">
                <table>
                  <thead>
                    <tr>
                      <th scope="col" class="number">Rank</th>
                      <th scope="col">Volunteer</th>
                      <th scope="col" class="number">Images</th>
                      <th scope="col" class="number">Compute time</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${view.volunteers.map(
                      (volunteer) => html`<tr>
                        <td class="number">${volunteer.rank}</td>
                        <td class="name">${volunteer.displayName === null ? html`<span class="anonymous">Anonymous volunteer</span>` : strangerName(volunteer.displayName)}</td>
                        <td class="number">${formatCount(volunteer.images)}</td>
                        <td class="number">${formatMs(volunteer.computeMs)}</td>
                      </tr>`,
                    )}
                  </tbody>
                </table>
              </div>
              <div class="pager">
                <button class="secondary small" ?disabled=${view.offset === 0} @click=${() => this.page(-1)}>Previous</button>
                <span>${view.offset + 1}–${last} of ${formatCount(view.total)}</span>
                <button class="secondary small" ?disabled=${last >= view.total} @click=${() => this.page(1)}>Next</button>
              </div>`
        }
      </section>
      <div class="cards">
        ${this.renderTallies('by-browser', 'By browser', view.totals.byBrowser)}
        ${this.renderTallies('by-backend', 'By backend', view.totals.byBackend)}
      </div>
    `;
  }

  private renderTallies(id: string, title: string, tallies: Tally[]) {
    return html`<section class="panel" aria-labelledby=${id}>
      <h2 id=${id}>${title}</h2>
      ${
        tallies.length === 0
          ? html`<p class="empty">Nothing yet.</p>`
          : html`<table>
            <thead>
              <tr>
                <th scope="col">${title.replace('By ', '')}</th>
                <th scope="col" class="number">Images</th>
                <th scope="col" class="number">Compute time</th>
              </tr>
            </thead>
            <tbody>
              ${tallies.map(
                (tally) => html`<tr>
                  <td>${tally.key}</td>
                  <td class="number">${formatCount(tally.images)}</td>
                  <td class="number">${formatMs(tally.computeMs)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
      }
    </section>`;
  }

  private page(direction: 1 | -1): void {
    // By the size the master answered, which may be under PAGE_SIZE: a larger step would skip volunteers.
    const size = this.poller.value?.limit ?? PAGE_SIZE;
    // From the page asked for, not the one on show: a second click before the answer must not go past the end.
    this.offset = pageOffset(this.offset, direction * size, this.poller.value?.total ?? 0, size);
    void this.poller.refresh();
  }
}

customElements.define('volunteers-page', VolunteersPage);

declare global {
  interface HTMLElementTagNameMap {
    'volunteers-page': VolunteersPage;
  }
}
