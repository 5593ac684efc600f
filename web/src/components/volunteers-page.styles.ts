import { css } from 'lit';

export const volunteersPageStyles = css`
  :host {
    display: block;
  }
  .board {
    padding: 1rem;
    margin-bottom: 1rem;
  }
  /* A long name without spaces breaks; words do not (the table scrolls sideways on a phone instead). */
  td.name {
    overflow-wrap: break-word;
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
