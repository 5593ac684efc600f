import { css } from 'lit';

export const attemptTimelineStyles = css`
  :host {
    display: block;
  }
  ol {
    margin: 0;
    padding: 0;
    list-style: none;
    display: grid;
    gap: 0;
  }
  li {
    position: relative;
    padding: 0 0 1rem 1.5rem;
  }
  /* The rail and its dot: the line runs down to the next attempt. */
  li::before {
    content: '';
    position: absolute;
    left: 0.3rem;
    top: 0.5rem;
    bottom: -0.5rem;
    width: 2px;
    background: var(--border);
  }
  li:last-child::before {
    display: none;
  }
  li::after {
    content: '';
    position: absolute;
    left: 0;
    top: 0.35rem;
    width: 0.7rem;
    height: 0.7rem;
    border-radius: 50%;
    background: var(--outcome, var(--status-queued));
  }
  li[data-outcome='done'] {
    --outcome: var(--status-done);
  }
  li[data-outcome='running'] {
    --outcome: var(--status-leased);
  }
  /* Ended without an answer the master took: the master's image-missing verdict and an answer it refused read so too. */
  li[data-outcome='failed'],
  li[data-outcome='expired'],
  li[data-outcome='lost'],
  li[data-outcome='refused'],
  li[data-outcome='image-missing'] {
    --outcome: var(--status-failed);
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    gap: 0 0.75rem;
    align-items: baseline;
  }
  .outcome {
    font-weight: 700;
    color: var(--outcome, var(--status-queued));
  }
  .when,
  .reason {
    color: var(--muted);
    font-size: 0.9rem;
    font-variant-numeric: tabular-nums;
  }
  .reason {
    margin: 0.15rem 0 0;
    overflow-wrap: anywhere;
  }
  p.none {
    margin: 0;
    color: var(--muted);
  }
`;
