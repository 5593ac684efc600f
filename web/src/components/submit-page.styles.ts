import { css } from 'lit';

export const submitPageStyles = css`
  :host {
    display: block;
  }
  .private {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    margin-bottom: 0.75rem;
    width: fit-content;
  }
  .private input {
    width: 1.1rem;
    height: 1.1rem;
    margin: 0;
    accent-color: var(--accent);
  }
  .uploads {
    margin-top: 1.5rem;
  }
  .totals {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    gap: 0.4rem 1rem;
    align-items: center;
    margin-bottom: 0.75rem;
  }
  .totals h2 {
    margin: 0;
  }
  .totals progress {
    grid-column: 1 / -1;
    width: 100%;
    height: 0.6rem;
    accent-color: var(--accent);
  }
  .counts {
    grid-column: 1 / -1;
    margin: 0;
    color: var(--muted);
    font-variant-numeric: tabular-nums;
  }
  ul {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  li + li {
    border-top: 1px solid var(--border);
  }
`;
