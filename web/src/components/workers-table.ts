import { LitElement, html, nothing } from 'lit';
import type { WorkerView } from '../../../master/api-types.ts';
import { formatCount, formatCredibility, formatMs, formatOrDash, formatTime } from '../lib/format.ts';
import { dataTableStyles } from './shared.styles.ts';
import { CLASS_LABELS, KIND_LABELS, strangerName, strangerNameStyles } from './stranger-name.ts';
import { workersTableStyles } from './workers-table.styles.ts';

/**
 * The connected workers, busiest first: what they run on, how fast, how much, how many errors, and
 * how far their answers are believed (spot checks are for volunteers; trusted workers get none). On a private board
 * the master keeps credibility and checks from all but the admin (null): they show as "—".
 */
export class WorkersTable extends LitElement {
  static override styles = [dataTableStyles, strangerNameStyles, workersTableStyles];
  static override properties = { workers: { attribute: false } };

  workers: readonly WorkerView[] = [];

  protected override render() {
    if (this.workers.length === 0) {
      return html`<p>No workers connected. Open <a href="/worker">Donate compute</a> in any browser to add one.</p>`;
    }
    const workers = [...this.workers].sort((a, b) => b.jobsDone - a.jobsDone || a.name.localeCompare(b.name));
    return html`
      <div class="scroll" tabindex="0" role="region" aria-label="Workers table">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Class</th>
              <th scope="col">Kind</th>
              <th scope="col">Backend</th>
              <th scope="col" class="number">ms / image</th>
              <th scope="col" class="number">Jobs</th>
              <th scope="col" class="number">Errors</th>
              <th scope="col" class="number">Credibility</th>
              <th scope="col" class="number">Spot checks passed</th>
              <th scope="col" class="number">Holding</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            ${workers.map(
              (worker) => html`
                <tr>
                  <td>${strangerName(worker.name)} ${worker.draining ? html`<span class="draining">(leaving)</span>` : nothing}</td>
                  <td>${CLASS_LABELS[worker.workerClass]}</td>
                  <td>${KIND_LABELS[worker.kind]}</td>
                  <td>${worker.backend}</td>
                  <td class="number">${worker.meanInferenceMs === null ? '—' : formatMs(worker.meanInferenceMs)}</td>
                  <td class="number">${formatCount(worker.jobsDone)}</td>
                  <td class="number ${worker.jobsFailed > 0 ? 'errors' : ''}">${formatCount(worker.jobsFailed)}</td>
                  <td class="number">${formatOrDash(worker.credibility, formatCredibility)}</td>
                  <td class="number">${worker.workerClass === 'trusted' ? '—' : formatOrDash(worker.spotChecksPassed, formatCount)}</td>
                  <td class="number">${worker.inFlight} of ${worker.credit}</td>
                  <td><time datetime=${worker.connectedAt}>${formatTime(worker.connectedAt)}</time></td>
                </tr>
              `,
            )}
          </tbody>
        </table>
      </div>
    `;
  }
}

customElements.define('workers-table', WorkersTable);

declare global {
  interface HTMLElementTagNameMap {
    'workers-table': WorkersTable;
  }
}
