import { css } from 'lit';

export const volunteersPageStyles = css`
  :host {
    display: block;
  }
  .board {
    padding: 1rem;
    margin-bottom: 1rem;
  }
  .anonymous {
    color: var(--muted);
    font-style: italic;
  }
  .pager {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    margin-top: 0.75rem;
    color: var(--muted);
  }
  .empty,
  .problem-detail {
    color: var(--muted);
  }
`;
