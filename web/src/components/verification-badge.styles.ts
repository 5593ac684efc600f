import { css } from 'lit';

export const verificationBadgeStyles = css`
  :host {
    display: inline-block;
    flex: none;
  }
  [data-state] {
    display: inline-block;
    padding: 0 0.55rem;
    border-radius: 999px;
    font-size: 0.8rem;
    font-weight: 600;
    line-height: 1.4rem;
    white-space: nowrap;
    font-variant-numeric: tabular-nums;
    background: var(--accent-soft);
    color: var(--text);
  }
  [data-state='unverified'] {
    background: var(--warning-soft);
    color: var(--warning);
  }
`;
