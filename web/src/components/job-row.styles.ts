import { css } from 'lit';

export const jobRowStyles = css`
  :host {
    display: block;
  }
  .row {
    display: grid;
    grid-template-columns: 3.5rem minmax(0, 1fr) auto;
    grid-template-areas:
      'thumb name status'
      'thumb detail detail';
    gap: 0.15rem 0.75rem;
    align-items: center;
    padding: 0.6rem 0.75rem;
  }
  .thumb {
    grid-area: thumb;
    width: 3.5rem;
    height: 3.5rem;
    border-radius: calc(var(--radius) / 2);
    overflow: hidden;
    background: var(--bg);
  }
  img {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
  }
  img[hidden] {
    display: none;
  }
  .name {
    grid-area: name;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-weight: 600;
  }
  status-chip {
    grid-area: status;
  }
  .detail {
    grid-area: detail;
    display: flex;
    flex-wrap: wrap;
    gap: 0 1rem;
    color: var(--muted);
    font-size: 0.9rem;
  }
  .label {
    color: var(--text);
  }
  .error {
    color: var(--danger);
  }
`;
