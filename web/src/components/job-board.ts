import { LitElement, html } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { JOB_STATUSES, type JobStatus } from '../../../master/api-types.ts';
import { jobFeed } from '../state/job-feed.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { jobBoardStyles } from './job-board.styles.ts';
import './feed-banner.ts';
import './job-row.ts';

/** Rows rendered at once; the store keeps more, but a longer list helps nobody. */
const MAX_ROWS = 200;

/** The live list of jobs, newest first, filterable by status. */
export class JobBoard extends LitElement {
  static override styles = jobBoardStyles;
  static override properties = { filter: { state: true } };

  filter: JobStatus | null = null;

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => jobFeed.subscribe(onChange));
  }

  protected override render() {
    const jobs = jobFeed.jobs(this.filter ?? undefined);
    const workers = jobFeed.workers.length;
    return html`
      <section aria-labelledby="title">
        <div class="bar">
          <h1 id="title">Jobs</h1>
          <p class="workers">${workers === 1 ? '1 worker' : `${workers} workers`} connected</p>
          <label>
            Status
            <select @change=${this.onFilterChange}>
              <option value="" ?selected=${this.filter === null}>All</option>
              ${JOB_STATUSES.map((status) => html`<option value=${status} ?selected=${this.filter === status}>${status}</option>`)}
            </select>
          </label>
        </div>
        <feed-banner .connection=${jobFeed.connection} .error=${jobFeed.error}></feed-banner>
        ${jobs.length === 0
          ? html`<p class="empty">
              ${this.filter ? `No ${this.filter} jobs.` : 'No jobs yet.'} <a href="/submit">Submit some images.</a>
            </p>`
          : html`
              <ul>
                ${repeat(jobs.slice(0, MAX_ROWS), (job) => job.id, (job) => html`<li><job-row .job=${job}></job-row></li>`)}
              </ul>
              ${jobs.length > MAX_ROWS ? html`<p class="more">Showing the newest ${MAX_ROWS} of ${jobs.length}.</p>` : ''}
            `}
      </section>
    `;
  }

  private onFilterChange(event: Event): void {
    const value = (event.target as HTMLSelectElement).value;
    this.filter = (JOB_STATUSES as readonly string[]).includes(value) ? (value as JobStatus) : null;
    // The store may hold few jobs of this status; fetch the newest ones.
    void jobFeed.load(this.filter ?? undefined);
  }
}

customElements.define('job-board', JobBoard);

declare global {
  interface HTMLElementTagNameMap {
    'job-board': JobBoard;
  }
}
