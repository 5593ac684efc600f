import { LitElement, html } from 'lit';
import type { Prediction } from '../../../master/protocol.ts';
import { formatPercent, shortLabel } from '../lib/format.ts';
import { confidenceBarsStyles } from './confidence-bars.styles.ts';

/** The model's best guesses, each with a bar as long as its probability. */
export class ConfidenceBars extends LitElement {
  static override styles = confidenceBarsStyles;
  static override properties = {
    predictions: { attribute: false },
    limit: { type: Number },
  };

  predictions: readonly Prediction[] = [];
  limit = 3;

  protected override render() {
    // The percentage is in the text; the bar only repeats it for the eye. Its width is set through
    // the style property, not the attribute (styleMap's first render), which the CSP refuses.
    return html`
      <ol>
        ${this.predictions.slice(0, this.limit).map(
          (prediction) => html`
            <li>
              <span class="label" title=${prediction.label}>${shortLabel(prediction.label)}</span>
              <span class="pct">${formatPercent(prediction.probability)}</span>
              <span class="track" aria-hidden="true">
                <span class="fill" .style=${`width: ${Math.max(1, prediction.probability * 100)}%`}></span>
              </span>
            </li>
          `,
        )}
      </ol>
    `;
  }
}

customElements.define('confidence-bars', ConfidenceBars);

declare global {
  interface HTMLElementTagNameMap {
    'confidence-bars': ConfidenceBars;
  }
}
