import { css } from 'lit';

export const uploadItemStyles = css`
  :host {
    display: block;
  }
  .item {
    display: grid;
    grid-template-columns: 4.5rem minmax(0, 1fr) minmax(0, 16rem);
    grid-template-areas: 'preview file outcome';
    gap: 0.4rem 1rem;
    align-items: center;
    padding: 0.65rem 0.85rem;
  }
  .thumb {
    grid-area: preview;
    width: 4.5rem;
    height: 4.5rem;
  }
  .file {
    grid-area: file;
    min-width: 0;
    display: grid;
    gap: 0.25rem;
  }
  .name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    unicode-bidi: isolate;
    font-weight: 600;
  }
  .line {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.25rem 0.75rem;
    color: var(--muted);
    font-size: 0.875rem;
    font-variant-numeric: tabular-nums;
  }
  progress {
    width: 100%;
    height: 0.45rem;
    accent-color: var(--accent);
  }
  .outcome {
    grid-area: outcome;
    min-width: 0;
    display: grid;
    gap: 0.3rem;
    font-size: 0.9rem;
  }
  .error {
    color: var(--danger);
    overflow-wrap: anywhere;
  }
  .waiting {
    color: var(--muted);
  }
  @media (max-width: 40rem) {
    .item {
      grid-template-columns: 3.5rem minmax(0, 1fr);
      grid-template-areas:
        'preview file'
        'outcome outcome';
      padding: 0.75rem;
    }
    .thumb {
      width: 3.5rem;
      height: 3.5rem;
    }
  }
`;
