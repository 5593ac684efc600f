import { css } from 'lit';

export const volunteersPageStyles = css`
  :host {
    display: block;
  }
  .board {
    padding: 1rem;
    margin-bottom: 1rem;
  }
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
  .number {
    text-align: right;
    white-space: nowrap;
  }
  td.name {
    overflow-wrap: anywhere;
  }
  .anonymous {
    color: var(--muted);
    font-style: italic;
  }
  tbody tr:last-child td {
    border-bottom: none;
  }
  .pager {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    margin-top: 0.75rem;
    color: var(--muted);
  }
  .cards {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
    gap: 1rem;
  }
  .cards section {
    padding: 1rem;
  }
  .empty {
    color: var(--muted);
  }
`;
