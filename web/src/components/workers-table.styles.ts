import { css } from 'lit';

export const workersTableStyles = css`
  :host {
    display: block;
  }
  table {
    white-space: nowrap;
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
