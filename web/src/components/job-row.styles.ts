import { css } from 'lit';

export const jobRowStyles = css`
  :host {
    display: block;
  }
  .row {
    display: grid;
    grid-template-columns: 4rem minmax(0, 1fr) minmax(0, 17rem) auto;
    grid-template-areas: 'thumb main outcome actions';
    gap: 0.4rem 1rem;
    align-items: center;
    padding: 0.65rem 0.85rem;
  }
  .thumb {
    grid-area: thumb;
    width: 4rem;
    height: 4rem;
  }
  .main {
    grid-area: main;
    min-width: 0;
    display: grid;
    gap: 0.15rem;
  }
  /* A long name takes the line and the pills wrap below it, rather than squeezing the name away. */
  .title {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.25rem 0.5rem;
    min-width: 0;
  }
  /* A stranger's file name: right-to-left letters in it reorder nothing around it. */
  .name {
    max-width: 100%;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    unicode-bidi: isolate;
    font-weight: 600;
    color: var(--text);
  }
  .name:hover {
    color: var(--accent);
  }
  .meta {
    display: flex;
    flex-wrap: wrap;
    gap: 0 0.9rem;
    color: var(--muted);
    font-size: 0.85rem;
    font-variant-numeric: tabular-nums;
  }
  .outcome {
    grid-area: outcome;
    min-width: 0;
    font-size: 0.9rem;
  }
  .waiting {
    color: var(--muted);
  }
  .error {
    color: var(--danger);
    overflow-wrap: anywhere;
  }
  .actions {
    grid-area: actions;
    display: flex;
    gap: 0.4rem;
    justify-content: flex-end;
  }
  @media (max-width: 48rem) {
    .row {
      grid-template-columns: 3.5rem minmax(0, 1fr);
      grid-template-areas:
        'thumb main'
        'outcome outcome'
        'actions actions';
      padding: 0.75rem;
    }
    .thumb {
      width: 3.5rem;
      height: 3.5rem;
    }
    .actions {
      justify-content: flex-start;
    }
  }
`;
