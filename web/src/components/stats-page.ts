import { LitElement, html, nothing } from 'lit';
import type { Distribution, LatencyStage, StatsView } from '../../../master/stats-api-types.ts';
import { failureDetail } from '../lib/failure-detail.ts';
import { formatCount, formatMs, formatTime, formatUptime } from '../lib/format.ts';
import { histogramBars } from '../lib/histogram.ts';
import { statsRefusal, type StatsRefusal } from '../lib/stats-refusal.ts';
import { recentCount, seriesColumns } from '../lib/stats-series.ts';
import { askedWaitMs, fetchStats } from '../api.ts';
import { AdminGate } from '../state/admin-gate.ts';
import { savedAdminToken } from '../state/admin-token.ts';
import { Poller } from '../state/poller.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { barStyles, buttonStyles, factListStyles, panelStyles } from './shared.styles.ts';
import { statsPageStyles } from './stats-page.styles.ts';
import type { ChartSeries } from './uplot-chart.ts';
import './uplot-chart.ts';
import './workers-table.ts';

const THROUGHPUT: ChartSeries[] = [
  { label: 'Completed', color: '--chart-2' },
  { label: 'Failed', color: '--chart-3' },
  { label: 'Submitted', color: '--chart-1' },
];
const QUEUE: ChartSeries[] = [
  { label: 'Queued', color: '--chart-1' },
  { label: 'Running', color: '--chart-4' },
];
const HISTOGRAM: ChartSeries[] = [{ label: 'Jobs', color: '--chart-1', bars: true }];

const STAGES: Array<{ stage: LatencyStage; title: string; about: string }> = [
  { stage: 'queue', title: 'Queue wait', about: 'submitted → a worker starts' },
  { stage: 'inference', title: 'Inference', about: 'decode, predict, read back, in the browser' },
  { stage: 'endToEnd', title: 'End to end', about: 'submitted → result stored' },
];

// The admin token this tab remembers (from the admin dialog) opens a private board's statistics.
const poller = new Poller(() => fetchStats(savedAdminToken() || undefined));

const STATS_PROMPT = { heading: 'Statistics', message: "This board's statistics are for its operator. The admin token:", action: 'Show statistics' };

/** The master's live statistics: throughput, queue depth, latency and the workers, every 5 s. */
export class StatsPage extends LitElement {
  static override styles = [buttonStyles, panelStyles, barStyles, factListStyles, statsPageStyles];
  private readonly admin = new AdminGate(this);

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => poller.subscribe(onChange));
  }

  protected override render() {
    const refusal = statsRefusal(poller.failure);
    if (refusal) return this.renderRefusal(refusal);
    const stats = poller.value;
    // The master's own words go below the alert, not in it: a rate limit's message counts down, and an alert whose
    // text changes is read out again at every poll.
    return html`
      <div class="bar">
        <h1>Statistics</h1>
        <p class="updated">
          ${stats ? html`Updated <time datetime=${stats.at}>${formatTime(stats.at)}</time> · master up ${formatUptime(stats.uptimeSeconds)}` : nothing}
        </p>
        <button class="secondary small" @click=${() => poller.refresh()}>Refresh</button>
      </div>
      <div role="alert">
        ${poller.error ? html`<p class="problem">Could not get statistics from the master${stats ? '; showing the last figures' : ''}. ${retrying(poller.failure)}</p>` : nothing}
      </div>
      ${poller.error ? html`<p class="problem-detail">${failureDetail(poller.failure)}</p>` : nothing}
      ${stats ? this.renderStats(stats) : poller.error ? nothing : html`<p class="empty panel" role="status">Loading statistics…</p>`}
    `;
  }

  /** A private board's statistics, to anyone without the admin token: no figures, and why. */
  private renderRefusal(refusal: StatsRefusal) {
    return html`
      <div class="bar">
        <h1>Statistics</h1>
        <button class="secondary small" @click=${() => poller.refresh()}>Refresh</button>
      </div>
      <div class="empty panel" role="status">
        <p>${refusal.message}</p>
        ${refusal.tokenHelps ? html`<button class="small" @click=${() => void this.enterToken()}>Enter the admin token</button>` : nothing}
      </div>
      ${this.admin.render()}
    `;
  }

  private async enterToken(): Promise<void> {
    // The dialog keeps the token for this tab once the master took it, and the poller sends it from then on.
    if (await this.admin.run((token) => fetchStats(token).then(() => undefined), STATS_PROMPT, { confirmFirst: true })) await poller.refresh();
  }

  private renderStats(stats: StatsView) {
    const columns = seriesColumns(stats.series);
    const latest = (values: number[]) => values[values.length - 1] ?? 0;
    return html`
      <ul class="tiles" aria-label="Jobs now">
        ${tile('Queued', formatCount(stats.jobs.queued))} ${tile('Running', formatCount(stats.jobs.leased))}
        ${tile('Done', formatCount(stats.jobs.done))} ${tile('Failed', formatCount(stats.jobs.failed))}
        ${tile('Workers', formatCount(stats.workersConnected))} ${tile('Done, last minute', formatCount(recentCount(stats.series, 'completed')))}
      </ul>
      <div class="charts">
        <section class="panel" aria-labelledby="throughput">
          <h2 id="throughput">Throughput</h2>
          <p class="note">Jobs per second, in ${columns.slotSeconds} s steps over the last 10 minutes.</p>
          <uplot-chart
            .data=${[columns.times, columns.completed, columns.failed, columns.submitted]}
            .series=${THROUGHPUT}
            unit="/s"
            label=${`Throughput over the last 10 minutes; now ${latest(columns.completed).toFixed(1)} completed, ${latest(columns.failed).toFixed(1)} failed and ${latest(columns.submitted).toFixed(1)} submitted per second`}
          ></uplot-chart>
        </section>
        <section class="panel" aria-labelledby="queue-depth">
          <h2 id="queue-depth">Queue depth</h2>
          <p class="note">Jobs waiting and running, over the last 10 minutes.</p>
          <uplot-chart
            .data=${[columns.times, columns.queued, columns.leased]}
            .series=${QUEUE}
            whole
            label=${`Queue depth over the last 10 minutes; now ${latest(columns.queued)} queued and ${latest(columns.leased)} running`}
          ></uplot-chart>
        </section>
      </div>
      <h2>Latency <span class="muted">(jobs finished in the last 10 minutes)</span></h2>
      <div class="latency">${STAGES.map(({ stage, title, about }) => this.renderLatency(stats, stage, title, about))}</div>
      <section class="panel" aria-labelledby="workers">
        <h2 id="workers">Workers</h2>
        <workers-table .workers=${stats.workers}></workers-table>
        ${moreWorkers(stats)}
      </section>
      ${this.renderDispatch(stats)}
    `;
  }

  private renderLatency(stats: StatsView, stage: LatencyStage, title: string, about: string) {
    const distribution = stats.latencyMs[stage];
    const bars = histogramBars(stats.histogramsMs[stage]);
    const id = `latency-${stage}`;
    return html`
      <section class="panel" aria-labelledby=${id}>
        <h2 id=${id}>${title}</h2>
        <p class="note">${about}; bars count jobs per bucket of ms.${distribution.count === 0 ? nothing : html`<br />${summarize(distribution)}`}</p>
        ${
          distribution.count === 0
            ? html`<p class="muted">No finished jobs yet.</p>`
            : html`<uplot-chart
              .data=${[bars.map((_bar, i) => i), bars.map((bar) => bar.count)]}
              .series=${HISTOGRAM}
              .categories=${bars}
              whole
              label=${`${title} histogram: ${bars
                .filter((bar) => bar.count > 0)
                .map((bar) => `${bar.count} ${bar.label}`)
                .join(', ')}`}
            ></uplot-chart>`
        }
      </section>
    `;
  }

  private renderDispatch(stats: StatsView) {
    const { dispatch } = stats;
    return html`
      <section class="panel dispatch" aria-labelledby="dispatch">
        <h2 id="dispatch">Dispatch since the master started</h2>
        <dl>
          <dt>Leases given</dt>
          <dd>${formatCount(dispatch.dispatched)}</dd>
          <dt>Results accepted</dt>
          <dd>${formatCount(dispatch.completed)}</dd>
          <dt>Spot checks</dt>
          <dd>
            ${formatCount(dispatch.spotChecks.given)} given, ${formatCount(dispatch.spotChecks.passed)} passed,
            ${formatCount(dispatch.spotChecks.failed)} failed
          </dd>
          <dt>Blacklisted</dt>
          <dd>
            ${formatCount(dispatch.blacklisted['spot-check'] + dispatch.blacklisted.outvoted)} volunteers
            (${formatCount(dispatch.blacklisted['spot-check'])} caught on a spot check, ${formatCount(dispatch.blacklisted.outvoted)} outvoted far too often);
            ${formatCount(stats.transitions.reopened)} finished jobs sent back to verification
          </dd>
          <dt>Replicas asked for</dt>
          <dd>${formatCount(dispatch.replicasAsked)} volunteer answers waiting for another to agree</dd>
          <dt>Failed attempts</dt>
          <dd>${formatCount(dispatch.failedAttempts)}</dd>
          <dt>Re-queued</dt>
          <dd>${formatCount(dispatch.reassigned.lost)} from lost workers, ${formatCount(dispatch.reassigned.expired)} after expired leases</dd>
          <dt>Results refused</dt>
          <dd>
            ${formatCount(dispatch.rejected['stale-lease'])} stale, ${formatCount(dispatch.rejected['not-your-lease'])} from the wrong worker,
            ${formatCount(dispatch.rejected['unknown-job'])} for unknown jobs
          </dd>
        </dl>
      </section>
    `;
  }
}

/** The master lists only the busiest workers (STATS_WORKERS_SHOWN): how many it left out, and where they all are. */
function moreWorkers({ workers, workersConnected }: StatsView) {
  const more = workersConnected - workers.length;
  if (more <= 0) return nothing;
  return html`<p class="note more-workers">
    The ${formatCount(workers.length)} with most jobs done, and ${formatCount(more)} more:
    <a href="/api/workers">all ${formatCount(workersConnected)} as JSON, 50 a page</a> (each page's <code>nextCursor</code> leads to the next), or
    <code>npm run metrics:export</code> for a CSV file.
  </p>`;
}

/** When the next poll comes: every 5 s, unless the master asked for longer (Retry-After), which the poller waits. */
function retrying(failure: unknown): string {
  return askedWaitMs(failure) > 0 ? 'Trying again after the wait the master asked for.' : 'Trying again every 5 s.';
}

function tile(name: string, value: string) {
  return html`<li class="panel"><span class="value">${value}</span><span class="name">${name}</span></li>`;
}

/** The figures of a stage with jobs; one with none says so below, once. */
function summarize(distribution: Distribution): string {
  return `${formatCount(distribution.count)} jobs · median ${formatMs(distribution.p50)} · p90 ${formatMs(distribution.p90)} · p99 ${formatMs(distribution.p99)} · max ${formatMs(distribution.max)}`;
}

customElements.define('stats-page', StatsPage);

declare global {
  interface HTMLElementTagNameMap {
    'stats-page': StatsPage;
  }
}
