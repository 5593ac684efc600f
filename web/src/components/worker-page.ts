import { LitElement, html, nothing } from 'lit';
import { formatCount, formatMs, plural } from '../lib/format.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { verificationPolicy } from '../state/verification-policy.ts';
import { autostartOnce, contribution, hiddenPause, isFleetTab, runtime, RUNTIME_RENDER_MS } from '../state/volunteer.ts';
import type { WorkerClass } from '../../../master/protocol.ts';
import type { PauseReason, WorkerSnapshot, WorkerState } from '../worker-runtime/status.ts';
import { buttonStyles, cardGridStyles, factListStyles, introStyles, panelStyles } from './shared.styles.ts';
import { workerPageStyles } from './worker-page.styles.ts';
import './donor-controls.ts';
import './spark-line.ts';
import './volunteer-credit.ts';

const STATE_LABELS: Record<WorkerState, string> = {
  loading: 'Loading the model…',
  warming: 'Warming up…',
  connecting: 'Connecting to the master…',
  ready: 'Working: classifying images as they come',
  stopped: 'Stopped',
  error: 'Problem: retrying…',
};

/** What a page's answers are worth: a volunteer's wait for agreement (the master verifies them), a trusted one's count at once. */
const STANDING_LABELS: Record<WorkerClass, string> = {
  volunteer: 'Volunteer: your answers count once you have passed a spot check, and a job is done when enough such answers agree',
  trusted: 'Trusted (the operator’s fleet): answers count at once',
};
/** A volunteer's standing on a master where no volunteer can earn a say (GET /api/verification). */
const UNCHECKED_VOLUNTEER_LABEL =
  'Volunteer: this master runs no spot checks, so no volunteer’s answer can verify a job; the jobs you answer wait for a trusted worker, or end unverified';

/** A page holding the operator's fleet token, before the master has taken it. */
const FLEET_TAB_LABEL = 'The operator’s fleet worker: trusted once the master takes its fleet token';
/** How a volunteer's page becomes the operator's worker: the link the master logs at start holds the fleet token. */
const FLEET_LINK_HINT =
  'Running this grid yourself? Open the worker page the master logs at start ("workerPage"), or this one with #fleet-token=<your FLEET_TOKEN>: its answers count at once.';

/** The class the master gave this page, or, until it has, the one this page asks for. */
function standing(workerClass: WorkerClass | null): WorkerClass | 'fleet-tab' {
  return workerClass ?? (isFleetTab() ? 'fleet-tab' : 'volunteer');
}

function standingLabel(workerClass: WorkerClass | null): string {
  const shown = standing(workerClass);
  if (shown === 'fleet-tab') return FLEET_TAB_LABEL;
  if (shown === 'volunteer' && verificationPolicy.value?.volunteersCanVerify === false) return UNCHECKED_VOLUNTEER_LABEL;
  return STANDING_LABELS[shown];
}

const PAUSE_LABELS: Record<PauseReason, string> = {
  hidden: 'Paused while this tab is hidden',
  battery: 'Paused while on battery',
  'hourly-limit': 'Paused: this hour’s images are done (your limit)',
};

/** "Donate compute": one button to start or stop this tab's worker, and what it is doing. */
export class WorkerPage extends LitElement {
  static override styles = [buttonStyles, panelStyles, introStyles, factListStyles, cardGridStyles, workerPageStyles];

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => runtime.subscribe(onChange), RUNTIME_RENDER_MS);
    new SubscriptionController(this, (onChange) => verificationPolicy.subscribe(onChange));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    autostartOnce();
  }

  protected override render() {
    const status = runtime.status;
    // The alert keeps one text while the page retries, so a screen reader reads it once; the wait, which changes at
    // every try, goes beside it.
    return html`
      <h1>Donate compute</h1>
      <p class="intro">
        While this tab runs, it classifies images for the grid with MobileNet, right here in your browser. Nothing on your
        device is read or uploaded; stopping lets the images it holds finish first.
      </p>
      <section class="panel hero" aria-label="Worker control">
        <div>
          <p class="state" role="status">
            <span class="dot" data-state=${status.paused && status.state === 'ready' ? 'paused' : status.state}></span>
            ${stateLabel(status)}
          </p>
          <p class="tally">
            You have classified <strong>${plural(contribution.total, 'image')}</strong> here${
              status.jobsDone > 0 ? html`, ${formatCount(status.jobsDone)} this visit` : nothing
            }.
          </p>
        </div>
        <div class="control">
          ${this.renderButton(status)}
          <label class="option">
            <input type="checkbox" .checked=${hiddenPause.enabled} @change=${this.onPauseOption} />
            Pause while this tab is hidden
          </label>
        </div>
      </section>
      <div class="cards">
        <section class="panel" aria-labelledby="speed">
          <h2 id="speed">Speed</h2>
          <p class="big">${status.msPerImage === null ? '—' : formatMs(status.msPerImage)} <small>per image (recent mean)</small></p>
          <spark-line .values=${status.recentMs} label="Inference time of the latest images"></spark-line>
        </section>
        <section class="panel" aria-labelledby="model">
          <h2 id="model">Model</h2>
          ${this.renderModel(status)}
        </section>
        <section class="panel" aria-labelledby="backend">
          <h2 id="backend">Backend</h2>
          <p class="big">${status.backend ?? '—'}</p>
          <p class="reason">${status.backendReason ?? 'Chosen when the worker starts: the fastest honest one this browser has.'}</p>
        </section>
        <section class="panel" aria-labelledby="work">
          <h2 id="work">Work</h2>
          <dl>
            <dt>Done</dt>
            <dd>${formatCount(status.jobsDone)}</dd>
            <dt>Failed</dt>
            <dd>${formatCount(status.jobsFailed)}</dd>
            <dt>Waiting here</dt>
            <dd>${status.queued}</dd>
            <dt>Credit</dt>
            <dd>${status.paused ? `0 (paused; ${status.credit} when working)` : status.credit}</dd>
            <dt>Name</dt>
            <dd>${status.name}${status.kind === 'headless' ? ' (headless)' : nothing}</dd>
            <dt>Standing</dt>
            <dd class="standing">${standingLabel(status.workerClass)}</dd>
          </dl>
          ${standing(status.workerClass) === 'volunteer' ? html`<p class="reason fleet-hint">${FLEET_LINK_HINT}</p>` : nothing}
        </section>
      </div>
      <div role="alert">${status.lastError ? html`<p class="problem">Last problem: ${status.lastError}</p>` : nothing}</div>
      ${status.retryNote ? html`<p class="retry-note">${status.retryNote}</p>` : nothing}
      <div class="cards terms">
        <donor-controls></donor-controls>
        <volunteer-credit></volunteer-credit>
      </div>
    `;
  }

  private renderButton(status: WorkerSnapshot) {
    if (status.state === 'stopped') return html`<button @click=${() => runtime.start()}>Start</button>`;
    return html`<button class="secondary" ?disabled=${status.draining} @click=${() => runtime.stop()}>
      ${status.draining ? 'Stopping…' : 'Stop'}
    </button>`;
  }

  private renderModel(status: WorkerSnapshot) {
    if (!status.modelHash) return html`<p class="reason">Fetched from the master on start, then kept in this browser.</p>`;
    const progress = status.modelProgress ?? 0;
    const where = status.modelSource === 'cache' ? 'From this browser’s cache' : status.modelSource === 'network' ? 'Downloaded, and cached for next time' : '';
    return html`
      <dl>
        <dt>Name</dt>
        <dd>${status.modelName}</dd>
        <dt>Version</dt>
        <dd><code title=${status.modelHash}>${status.modelHash.slice(0, 12)}</code></dd>
        <dt>Loaded</dt>
        <dd>${progress < 1 ? `${Math.round(progress * 100)}%` : where}</dd>
        <dt>Warm-up</dt>
        <dd>${status.warmupMs === null ? '—' : formatMs(status.warmupMs)}</dd>
        <dt>Start-up</dt>
        <dd>${status.startupMs === null ? '—' : formatMs(status.startupMs)}</dd>
      </dl>
      ${progress < 1 ? html`<progress max="1" .value=${progress} aria-label="Model download"></progress>` : nothing}
    `;
  }

  private onPauseOption(event: Event): void {
    hiddenPause.setEnabled((event.target as HTMLInputElement).checked);
    this.requestUpdate();
  }
}

function stateLabel(status: WorkerSnapshot): string {
  if (status.draining) return 'Finishing the images it holds…';
  const reason = status.pausedFor[0];
  if (reason && status.state === 'ready') return PAUSE_LABELS[reason];
  return STATE_LABELS[status.state];
}

customElements.define('worker-page', WorkerPage);

declare global {
  interface HTMLElementTagNameMap {
    'worker-page': WorkerPage;
  }
}
