import { css } from 'lit';

export const statusChipStyles = css`
  :host {
    display: inline-block;
  }
  span {
    display: inline-block;
    padding: 0.05rem 0.55rem;
    border-radius: 999px;
    border: 1px solid currentColor;
    font-size: 0.8rem;
    font-weight: 600;
    white-space: nowrap;
    color: var(--status-queued);
  }
  span[data-status='leased'] {
    color: var(--status-leased);
  }
  span[data-status='done'] {
    color: var(--status-done);
  }
  span[data-status='failed'] {
    color: var(--status-failed);
  }
`;
