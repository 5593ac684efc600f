import { css } from 'lit';

export const statusChipStyles = css`
  :host {
    display: inline-block;
    flex: none;
  }
  span {
    display: inline-flex;
    align-items: center;
    gap: 0.3rem;
    padding: 0 0.55rem;
    border-radius: 999px;
    border: 1px solid currentColor;
    font-size: 0.8rem;
    font-weight: 600;
    line-height: 1.4rem;
    white-space: nowrap;
    color: var(--status-queued);
  }
  /* A dot that pulses while a job runs: motion says "alive" (and stops for reduced motion). */
  span::before {
    content: '';
    width: 0.45rem;
    height: 0.45rem;
    border-radius: 50%;
    background: currentColor;
  }
  span[data-status='leased'] {
    color: var(--status-leased);
  }
  span[data-status='leased']::before {
    animation: pulse 1.2s ease-in-out infinite;
  }
  span[data-status='done'] {
    color: var(--status-done);
  }
  span[data-status='failed'] {
    color: var(--status-failed);
  }
  @keyframes pulse {
    50% {
      opacity: 0.25;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    span::before {
      animation: none !important;
    }
  }
`;
