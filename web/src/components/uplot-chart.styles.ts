import { css, unsafeCSS } from 'lit';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';

// uPlot's own stylesheet, scoped to this shadow root (it is bundled; no stylesheet is fetched).
export const uplotChartStyles = [
  unsafeCSS(uplotCss),
  css`
    :host {
      display: block;
      min-width: 0;
    }
    .plot {
      width: 100%;
      min-height: 12rem;
    }
    .uplot {
      width: 100%;
      font-family: var(--font);
      color: var(--text);
    }
    .u-legend {
      font-size: 0.85rem;
      text-align: left;
      margin: 0.25rem 0 0;
    }
    .u-legend .u-series > * {
      padding: 2px 4px;
    }
  `,
];
