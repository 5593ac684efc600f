import { css } from 'lit';

// Styles every page needs; shadow roots do not inherit them, so components add these to their own.

export const buttonStyles = css`
  button,
  .button {
    font: inherit;
    font-weight: 600;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4rem;
    min-height: 2.25rem;
    padding: 0.35rem 0.95rem;
    border: 1px solid transparent;
    border-radius: var(--radius);
    background: var(--accent);
    color: var(--accent-text);
    cursor: pointer;
    text-decoration: none;
  }
  button.secondary,
  .button.secondary {
    background: var(--surface);
    color: var(--text);
    border-color: var(--border);
  }
  button.secondary:hover,
  .button.secondary:hover {
    background: var(--surface-2);
  }
  button.danger {
    background: var(--surface);
    color: var(--danger);
    border-color: currentColor;
  }
  button.danger:hover,
  button.danger[data-confirming] {
    background: var(--danger-soft);
  }
  button.small {
    min-height: 1.9rem;
    padding: 0.15rem 0.6rem;
    font-size: 0.875rem;
  }
  button:disabled {
    opacity: 0.6;
    cursor: not-allowed;
  }
  button:focus-visible,
  .button:focus-visible,
  a:focus-visible,
  input:focus-visible,
  select:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
`;

export const panelStyles = css`
  .panel {
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: var(--radius);
    box-shadow: var(--shadow);
  }
  h1 {
    margin: 0;
    font-size: 1.5rem;
    line-height: 1.25;
  }
  h2 {
    margin: 0 0 0.5rem;
    font-size: 1.1rem;
  }
  a {
    color: var(--accent);
  }
  .muted {
    color: var(--muted);
  }
  .error {
    color: var(--danger);
  }
  /* For screen readers only: still read out, never seen. */
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;

/** The muted paragraph under a page's heading that says what the page is for. */
export const introStyles = css`
  .intro {
    margin: 0.35rem 0 1rem;
    color: var(--muted);
    max-width: 45rem;
  }
`;

/** A page's top bar: heading, summary and actions in one wrapping row (each page sets its margin). */
export const barStyles = css`
  .bar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1rem;
  }
`;

/** Label and value pairs in a \`dl\`, labels in a column of their own. */
export const factListStyles = css`
  dl {
    display: grid;
    grid-template-columns: max-content minmax(0, 1fr);
    gap: 0.3rem 1rem;
    margin: 0;
    font-variant-numeric: tabular-nums;
  }
  dt {
    color: var(--muted);
  }
  dd {
    margin: 0;
  }
`;

/**
 * A table of figures inside `.scroll`, a region that scrolls sideways on a phone and is focusable so
 * keyboards can scroll it too; `.number` cells align right.
 */
export const dataTableStyles = css`
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
  tbody tr:last-child td {
    border-bottom: none;
  }
`;

/** Panels in `.cards`, as many across as fit at 16rem or more. */
export const cardGridStyles = css`
  .cards {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
    gap: 1rem;
  }
  .cards section {
    padding: 1rem;
    min-width: 0;
  }
`;

/** The "trusted workers only" marker of a job that volunteers may not take. */
export const trustedOnlyStyles = css`
  .trusted-only {
    flex: none;
    padding: 0 0.5rem;
    border: 1px dashed var(--muted);
    border-radius: 999px;
    color: var(--muted);
    font-size: 0.8rem;
    line-height: 1.4rem;
    white-space: nowrap;
  }
`;
