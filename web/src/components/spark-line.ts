import { LitElement, html, svg } from 'lit';
import { formatMs } from '../lib/format.ts';
import { sparklineShape } from '../lib/sparkline.ts';
import { sparkLineStyles } from './spark-line.styles.ts';

const WIDTH = 300;
const HEIGHT = 56;

/** A small line of recent durations (ms), oldest left, with its range written out for everyone. */
export class SparkLine extends LitElement {
  static override styles = sparkLineStyles;
  static override properties = {
    values: { attribute: false },
    label: {},
  };

  values: readonly number[] = [];
  /** What the line shows, e.g. "Inference time of the last 60 images". */
  label = '';

  protected override render() {
    const shape = sparklineShape(this.values, WIDTH, HEIGHT);
    if (!shape) return html`<p class="none">No images yet.</p>`;
    const latest = this.values[this.values.length - 1]!;
    const summary = `${this.label}: latest ${formatMs(latest)}, fastest ${formatMs(shape.min)}, slowest ${formatMs(shape.max)}`;
    return html`
      <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label=${summary}>
        ${svg`<line class="base" x1="0" y1=${HEIGHT - 1} x2=${WIDTH} y2=${HEIGHT - 1}></line>`}
        ${svg`<polyline points=${shape.points}></polyline>`}
      </svg>
      <div class="range" aria-hidden="true">
        <span>fastest ${formatMs(shape.min)}</span>
        <span>slowest ${formatMs(shape.max)}</span>
      </div>
    `;
  }
}

customElements.define('spark-line', SparkLine);

declare global {
  interface HTMLElementTagNameMap {
    'spark-line': SparkLine;
  }
}
