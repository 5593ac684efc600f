import { LitElement, html, nothing } from 'lit';
import { CPU_SHARES, MAX_IMAGES_PER_HOUR, type DonorLimits } from '../../../master/protocol.ts';
import { formatBytes, formatCount } from '../lib/format.ts';
import { SubscriptionController } from '../state/subscription-controller.ts';
import { batteryPause, donorLimits, runtime, RUNTIME_RENDER_MS } from '../state/volunteer.ts';
import { busyShare } from '../worker-runtime/cpu-share.ts';
import { factListStyles, panelStyles } from './shared.styles.ts';
import { donorControlsStyles } from './donor-controls.styles.ts';

/** The volunteer's terms (CPU share, battery, hourly cap), remembered in this browser, and what the page costs them. */
export class DonorControls extends LitElement {
  static override styles = [panelStyles, factListStyles, donorControlsStyles];

  constructor() {
    super();
    new SubscriptionController(this, (onChange) => runtime.subscribe(onChange), RUNTIME_RENDER_MS);
  }

  protected override render() {
    const { limits } = donorLimits;
    const status = runtime.status;
    const share = busyShare(status);
    return html`
      <section class="panel" aria-labelledby="terms">
        <h2 id="terms">Your terms</h2>
        <fieldset>
          <legend>Use of one processor core</legend>
          <div class="choices">
            ${CPU_SHARES.map(
              (cpuShare) => html`<label>
                <input type="radio" name="cpu-share" value=${cpuShare} .checked=${limits.cpuShare === cpuShare} @change=${() => this.set({ cpuShare })} />
                ${cpuShare}%
              </label>`,
            )}
          </div>
          <p class="hint">
            Below 100% the page rests between images.
            ${share === null ? nothing : html`So far it was busy <strong class="busy-share">${Math.round(share * 100)}%</strong> of its working time.`}
          </p>
        </fieldset>
        <fieldset>
          <legend>Images per hour</legend>
          <label>
            <input type="checkbox" name="cap" .checked=${limits.imagesPerHour !== null} @change=${this.onCapToggle} />
            At most
          </label>
          <input
            type="number"
            name="images-per-hour"
            aria-label="Images per hour at most"
            min="1"
            max=${MAX_IMAGES_PER_HOUR}
            .value=${String(limits.imagesPerHour ?? 600)}
            ?disabled=${limits.imagesPerHour === null}
            @change=${this.onCapChange}
          />
          per hour
        </fieldset>
        <fieldset>
          <legend>Battery</legend>
          ${
            batteryPause.supported
              ? html`<label>
                <input type="checkbox" name="battery" .checked=${batteryPause.enabled} @change=${this.onBatteryOption} />
                Pause while this device runs on battery
              </label>`
              : html`<p class="hint">This browser does not tell pages whether it runs on battery, so it cannot pause for that.</p>`
          }
        </fieldset>
      </section>
      <section class="panel" aria-labelledby="cost">
        <h2 id="cost">What this page does with your machine and network</h2>
        <dl>
          <dt>Downloaded so far</dt>
          <dd class="downloaded">${formatBytes(status.bytesDownloaded)}</dd>
          <dt>Model size</dt>
          <dd>${status.modelBytes === null ? '—' : `${formatBytes(status.modelBytes)}, downloaded once and then kept in this browser`}</dd>
          <dt>Images classified</dt>
          <dd>${formatCount(status.jobsDone)} this visit, each sent by the master and answered with five labels</dd>
        </dl>
        <ul>
          <li>It reads nothing from your device: no files, camera, microphone or location.</li>
          <li>It keeps the model, these settings and a random volunteer id in this browser’s storage, nothing else.</li>
          <li>It talks to this site only, never to another host.</li>
        </ul>
      </section>
    `;
  }

  private set(change: Partial<DonorLimits>): void {
    donorLimits.set(change);
    this.requestUpdate();
  }

  private onCapToggle(event: Event): void {
    const on = (event.target as HTMLInputElement).checked;
    const input = this.renderRoot.querySelector<HTMLInputElement>('input[name=images-per-hour]');
    this.set({ imagesPerHour: on ? Number(input?.value) || 600 : null });
  }

  private onCapChange(event: Event): void {
    const input = event.target as HTMLInputElement;
    // An out-of-range number is refused by the schema; the field shows the limit in force again.
    if (!donorLimits.set({ imagesPerHour: Number(input.value) })) input.value = String(donorLimits.limits.imagesPerHour ?? 600);
    this.requestUpdate();
  }

  private onBatteryOption(event: Event): void {
    batteryPause.setEnabled((event.target as HTMLInputElement).checked);
    this.requestUpdate();
  }
}

customElements.define('donor-controls', DonorControls);

declare global {
  interface HTMLElementTagNameMap {
    'donor-controls': DonorControls;
  }
}
