import { css } from 'lit';

export const feedBannerStyles = css`
  :host {
    display: block;
  }
  p {
    margin: 0 0 var(--gap);
    padding: 0.5rem 0.75rem;
    border-radius: var(--radius);
    border: 1px solid var(--border);
    background: var(--surface);
  }
  p.unreachable {
    border-color: var(--danger);
    color: var(--danger);
  }
`;
