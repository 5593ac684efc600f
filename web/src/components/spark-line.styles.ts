import { css } from 'lit';

export const sparkLineStyles = css`
  :host {
    display: block;
  }
  svg {
    display: block;
    width: 100%;
    height: 3.5rem;
    overflow: visible;
  }
  polyline {
    fill: none;
    stroke: var(--chart-1);
    stroke-width: 2;
    stroke-linejoin: round;
    stroke-linecap: round;
    vector-effect: non-scaling-stroke;
  }
  .base {
    stroke: var(--border);
    stroke-width: 1;
    vector-effect: non-scaling-stroke;
  }
  .range {
    display: flex;
    justify-content: space-between;
    color: var(--muted);
    font-size: 0.8rem;
    font-variant-numeric: tabular-nums;
  }
  .none {
    margin: 0;
    color: var(--muted);
    font-size: 0.9rem;
  }
`;
