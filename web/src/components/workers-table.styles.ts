import { css } from 'lit';

export const workersTableStyles = css`
  :host {
    display: block;
  }
  /* Wide tables scroll sideways on a phone; the region is focusable so keyboards can scroll it too. */
  .scroll {
    overflow-x: auto;
  }
  .scroll:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  th,
  td {
    padding: 0.45rem 0.75rem;
    text-align: left;
    border-bottom: 1px solid var(--border);
  }
  th {
    color: var(--muted);
    font-size: 0.85rem;
    font-weight: 600;
  }
  td.number,
  th.number {
    text-align: right;
  }
  tbody tr:last-child td {
    border-bottom: none;
  }
  .errors {
    color: var(--danger);
    font-weight: 600;
  }
  .draining {
    color: var(--muted);
    font-size: 0.85rem;
  }
  p {
    margin: 0;
    color: var(--muted);
  }
  a {
    color: var(--accent);
  }
  a:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
`;
