import { css } from 'lit';

export const confidenceBarsStyles = css`
  :host {
    display: block;
    min-width: 0;
  }
  ol {
    margin: 0;
    padding: 0;
    list-style: none;
    display: grid;
    gap: 0.2rem;
  }
  li {
    display: grid;
    grid-template-columns: minmax(0, 1fr) 3.2rem;
    grid-template-areas:
      'label pct'
      'bar bar';
    column-gap: 0.5rem;
    align-items: baseline;
    font-size: 0.875rem;
  }
  .label {
    grid-area: label;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  li:first-child .label {
    font-weight: 600;
  }
  .pct {
    grid-area: pct;
    text-align: right;
    font-variant-numeric: tabular-nums;
    color: var(--muted);
  }
  .track {
    grid-area: bar;
    height: 0.3rem;
    border-radius: 999px;
    background: var(--bar-track);
    overflow: hidden;
  }
  .fill {
    display: block;
    height: 100%;
    border-radius: inherit;
    background: var(--bar);
  }
  li:not(:first-child) .fill {
    opacity: 0.55;
  }
`;
