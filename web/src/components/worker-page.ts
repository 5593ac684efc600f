import { LitElement, html } from 'lit';
import { formatMs } from '../lib/format.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { WorkerRuntime } from '../worker-runtime/runtime.ts';
import type { WorkerSnapshot, WorkerState } from '../worker-runtime/status.ts';
import { parseWorkerParams, rememberedWorkerName } from '../worker-runtime/worker-params.ts';
import { workerPageStyles } from './worker-page.styles.ts';

const STATE_LABELS: Record<WorkerState, string> = {
  loading: 'Loading the model…',
  warming: 'Warming up…',
  connecting: 'Connecting to the master…',
  ready: 'Ready: working on jobs as they come',
  stopped: 'Stopped',
  error: 'Problem: retrying…',
};

// One runtime per tab, created on the first visit to this page: it keeps working while the
// volunteer looks at other pages of the app.
const params = parseWorkerParams(location.search);
let runtime: WorkerRuntime | null = null;
let autostarted = false;

function sharedRuntime(): WorkerRuntime {
  runtime ??= new WorkerRuntime({ name: params.name ?? rememberedWorkerName(() => localStorage), kind: params.kind });
  return runtime;
}

/** "Donate compute": runs the worker runtime in this tab and shows what it is doing. */
export class WorkerPage extends LitElement {
  static override styles = workerPageStyles;

  private readonly runtime = sharedRuntime();

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => this.runtime.subscribe(onChange));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // ?autostart=1 starts once per tab, with no click: the headless fleet depends on it.
    if (params.autostart && !autostarted) {
      autostarted = true;
      void this.runtime.start();
    }
  }

  protected override render() {
    const status = this.runtime.status;
    return html`
      <h1>Donate compute</h1>
      <p class="intro">
        While this tab is open and started, it classifies images for the grid with MobileNet, right here in your
        browser. Nothing is uploaded from your device; stopping lets the jobs it holds finish first.
      </p>
      <section class="panel" aria-label="Worker">
        <div class="head">
          <p class="state" role="status" data-state=${status.state}>
            ${status.draining ? 'Finishing the jobs it holds…' : STATE_LABELS[status.state]}
          </p>
          ${this.renderButton(status)}
        </div>
        <dl>
          <dt>Name</dt>
          <dd>${status.name} (${status.kind})</dd>
          <dt>Backend</dt>
          <dd>${status.backend ?? '—'}<span class="reason">${status.backendReason ?? ''}</span></dd>
          <dt>Model</dt>
          <dd>${this.renderModel(status)}</dd>
          <dt>Warm-up</dt>
          <dd>${status.warmupMs === null ? '—' : formatMs(status.warmupMs)}</dd>
          <dt>Jobs</dt>
          <dd>${status.jobsDone} done, ${status.jobsFailed} failed</dd>
          <dt>Per image</dt>
          <dd>${status.msPerImage === null ? '—' : `${formatMs(status.msPerImage)} (recent mean)`}</dd>
          <dt>Queue</dt>
          <dd>${status.queued} waiting, credit ${status.credit}</dd>
        </dl>
        ${status.lastError ? html`<p class="error">Last problem: ${status.lastError}</p>` : ''}
      </section>
    `;
  }

  private renderButton(status: WorkerSnapshot) {
    if (status.state === 'stopped') return html`<button @click=${() => this.runtime.start()}>Start</button>`;
    return html`<button ?disabled=${status.draining} @click=${() => this.runtime.stop()}>
      ${status.draining ? 'Stopping…' : 'Stop'}
    </button>`;
  }

  private renderModel(status: WorkerSnapshot) {
    if (!status.modelHash) return '—';
    const progress = status.modelProgress ?? 0;
    const where = status.modelSource === 'cache' ? 'from this browser’s cache' : status.modelSource === 'network' ? 'downloaded' : '';
    return html`
      ${status.modelName} <code title=${status.modelHash}>${status.modelHash.slice(0, 12)}</code>
      ${progress < 1
        ? html`<progress max="1" .value=${progress} aria-label="Model download"></progress> ${Math.round(progress * 100)}%`
        : where}
    `;
  }
}

customElements.define('worker-page', WorkerPage);

declare global {
  interface HTMLElementTagNameMap {
    'worker-page': WorkerPage;
  }
}
