import { LitElement, html, nothing } from 'lit';
import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import { JOB_STATUSES, type JobStatus, type JobView } from '../../../master/api-types.ts';
import { formatCount, plural } from '../lib/format.ts';
import { matchesSearch } from '../lib/job-search.ts';
import { AdminGate, ownerOrAdmin } from '../state/admin-gate.ts';
import { jobFeed } from '../state/job-feed.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { jobBoardStyles } from './job-board.styles.ts';
import type { JobActionEvent } from './job-row.ts';
import { reportAction } from './report-action.ts';
import { barStyles, buttonStyles, panelStyles } from './shared.styles.ts';
import { STATUS_LABELS } from './status-chip.ts';
import { strangerName, strangerNameStyles, type ShownText } from './stranger-name.ts';
import './feed-banner.ts';
import './job-row.ts';

/**
 * The live list of jobs, newest first: filter by status, search by label, act on a job, clear
 * everything. Rows are virtualized, so ten thousand loaded jobs scroll as smoothly as ten.
 */
export class JobBoard extends LitElement {
  static override styles = [buttonStyles, panelStyles, barStyles, strangerNameStyles, jobBoardStyles];
  static override properties = {
    filter: { state: true },
    query: { state: true },
    notice: { state: true },
    problem: { state: true },
  };

  /** The feed's filter, which outlives a visit to another page: resyncs and "load older" follow it. */
  filter: JobStatus | null = jobFeed.status ?? null;
  query = '';
  /** The outcome of the last action, announced politely; a file name in it is a stranger's, isolated. */
  notice: ShownText = '';
  /** What went wrong with the last action. */
  problem: ShownText = '';
  private readonly admin = new AdminGate(this);

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => jobFeed.subscribe(onChange));
    this.addEventListener('job-retry', (event) => void this.retry(event));
    this.addEventListener('job-delete', (event) => void this.deleteJob(event));
  }

  protected override render() {
    const all = jobFeed.jobs();
    const ofStatus = this.filter ? all.filter((job) => job.status === this.filter) : all;
    // Client-side over the loaded jobs only: the master has no search endpoint (yet).
    const query = this.query.trim();
    const shown = query ? ofStatus.filter((job) => matchesSearch(job, query)) : ofStatus;
    const workers = jobFeed.workersConnected;
    return html`
      <section aria-labelledby="title">
        <div class="bar">
          <h1 id="title" tabindex="-1">Jobs</h1>
          <p class="summary">${plural(workers, 'worker')} connected to this master · ${formatCount(all.length)} loaded</p>
          <a class="button secondary export" href=${exportHref(this.filter)} download>
            Download ${this.filter ? `${STATUS_LABELS[this.filter]} ` : ''}results (CSV)
          </a>
          <button class="danger" ?disabled=${all.length === 0} @click=${this.clearAll}>Clear all…</button>
        </div>
        <div class="tools">
          <fieldset>
            <legend class="visually-hidden">Show jobs that are</legend>
            ${this.renderFilter(null, 'all', all.length)}
            ${JOB_STATUSES.map((status) => this.renderFilter(status, STATUS_LABELS[status], countOf(all, status)))}
          </fieldset>
          <label class="search">
            Search labels
            <input type="search" placeholder="e.g. tabby cat" .value=${this.query} @input=${this.onSearch} />
          </label>
        </div>
        <feed-banner .connection=${jobFeed.connection} .refusal=${jobFeed.refusal} .error=${jobFeed.error}></feed-banner>
        <p class="notice" role="status">${this.notice}</p>
        <p class="problem" role="alert">${this.problem}</p>
        ${shown.length === 0 ? this.renderEmpty(all.length, query) : this.renderList(shown)}
        ${this.renderMore()}
      </section>
      ${this.admin.render()}
    `;
  }

  private renderFilter(status: JobStatus | null, label: string, count: number) {
    return html`
      <label class="filter">
        <input type="radio" name="status" .checked=${this.filter === status} @change=${() => this.setFilter(status)} />
        <span>${label} <span class="count">${formatCount(count)}</span></span>
      </label>
    `;
  }

  private renderList(jobs: JobView[]) {
    // The sizer is the virtualizer's own spacer; giving it as an <li> keeps the list valid markup.
    return html`
      <ul class="panel" aria-label="Jobs, newest first">
        <li virtualizer-sizer aria-hidden="true"></li>
        ${virtualize({
          items: jobs,
          keyFunction: (job: JobView) => job.id,
          renderItem: (job: JobView) => html`<li><job-row .job=${job}></job-row></li>`,
        })}
      </ul>
    `;
  }

  private renderEmpty(loaded: number, query: string) {
    // On a slow master the stream opens before the list arrives: "No jobs yet" said there were none.
    if (loaded === 0 && !jobFeed.fetched && !jobFeed.error) return html`<div class="empty panel"><p role="status">Loading jobs…</p></div>`;
    let message: string;
    if (loaded === 0) message = jobFeed.connection === 'live' ? 'No jobs yet.' : 'No jobs to show.';
    else if (query) message = `No ${this.filter ? `${STATUS_LABELS[this.filter]} ` : ''}job among the loaded ones matches “${query}”.`;
    else message = `No ${STATUS_LABELS[this.filter!]} jobs among the loaded ones.`;
    return html`
      <div class="empty panel">
        <p>${message}</p>
        ${loaded === 0 ? html`<p><a href="/submit">Submit some images</a> to get started.</p>` : nothing}
      </div>
    `;
  }

  private renderMore() {
    if (jobFeed.size === 0) return nothing;
    if (jobFeed.olderCursor === null) return html`<p class="more">That is every ${this.filter ? `${STATUS_LABELS[this.filter]} ` : ''}job.</p>`;
    return html`
      <div class="more">
        <button class="secondary" ?disabled=${jobFeed.loadingOlder} @click=${() => jobFeed.loadOlder()}>
          ${jobFeed.loadingOlder ? 'Loading…' : 'Load older jobs'}
        </button>
      </div>
    `;
  }

  private setFilter(status: JobStatus | null): void {
    this.filter = status;
    // The store may hold few jobs of this status; fetch the newest ones.
    void jobFeed.load(status ?? undefined);
  }

  private onSearch(event: InputEvent): void {
    this.query = (event.target as HTMLInputElement).value;
  }

  private async retry(event: JobActionEvent): Promise<void> {
    const fileName = jobFeed.job(event.detail.id)?.fileName ?? null;
    const name = shownFileName(fileName);
    await this.act(
      () => this.admin.run((token) => jobFeed.retry(event.detail.id, token), { ...RETRY_PROMPT, message: ownerOrAdmin(fileName, 'retry') }),
      html`${name} is queued again.`,
      html`Could not retry ${name}`,
    );
  }

  private async deleteJob(event: JobActionEvent): Promise<void> {
    const fileName = jobFeed.job(event.detail.id)?.fileName ?? null;
    const name = shownFileName(fileName);
    const done = await this.act(
      () => this.admin.run((token) => jobFeed.remove(event.detail.id, token), { ...DELETE_PROMPT, message: ownerOrAdmin(fileName, 'delete') }),
      html`Deleted ${name}.`,
      html`Could not delete ${name}`,
    );
    // The row that had focus is gone; the heading is a sensible place to pick up from.
    if (done) this.renderRoot.querySelector<HTMLElement>('h1')?.focus();
  }

  /** Runs an action and says how it went; a failure also clears the last notice, which may be about another job. */
  private async act(action: () => Promise<boolean | void>, success: ShownText, failure: ShownText): Promise<boolean> {
    const done = await reportAction(this, action, success, failure);
    if (this.problem) this.notice = '';
    return done;
  }

  private async clearAll(): Promise<void> {
    let deleted = 0;
    const ran = await this.admin.run(
      async (token) => {
        deleted = await jobFeed.clearAll(token ?? '');
      },
      {
        heading: 'Delete every job?',
        message: 'This removes all jobs and their images from the master, for everyone. It cannot be undone.',
        action: 'Delete all jobs',
      },
      { confirmFirst: true },
    );
    if (ran) this.notice = `Deleted all ${plural(deleted, 'job')}.`;
  }
}

/** Every job the master holds with the board's status filter, not only the loaded ones: the master streams them. */
const exportHref = (status: JobStatus | null) => `/api/jobs/export?format=csv${status ? `&status=${status}` : ''}`;

/** A job's file name in a notice: the uploader's, so isolated; "the job" once it is gone from the feed. */
const shownFileName = (fileName: string | null) => (fileName === null ? 'the job' : strangerName(fileName));

const DELETE_PROMPT = { heading: 'Admin token needed', action: 'Delete job' };
const RETRY_PROMPT = { heading: 'Admin token needed', action: 'Retry job' };

function countOf(jobs: readonly JobView[], status: JobStatus): number {
  let count = 0;
  for (const job of jobs) if (job.status === status) count++;
  return count;
}

customElements.define('job-board', JobBoard);

declare global {
  interface HTMLElementTagNameMap {
    'job-board': JobBoard;
  }
}
