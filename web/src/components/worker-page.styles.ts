import { css } from 'lit';

export const workerPageStyles = css`
  :host {
    display: block;
  }
  .hero {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    gap: 0.75rem 1.5rem;
    align-items: center;
    padding: 1.25rem;
    margin-bottom: 1rem;
  }
  .state {
    display: flex;
    align-items: center;
    gap: 0.6rem;
    margin: 0;
    font-size: 1.25rem;
    font-weight: 700;
  }
  .dot {
    flex: none;
    width: 0.8rem;
    height: 0.8rem;
    border-radius: 50%;
    background: var(--status-queued);
  }
  .dot[data-state='ready'] {
    background: var(--status-done);
  }
  .dot[data-state='loading'],
  .dot[data-state='warming'],
  .dot[data-state='connecting'],
  .dot[data-state='paused'] {
    background: var(--status-leased);
  }
  .dot[data-state='error'] {
    background: var(--danger);
  }
  .tally {
    margin: 0.25rem 0 0;
    color: var(--muted);
  }
  .tally strong {
    color: var(--text);
  }
  .control {
    display: grid;
    justify-items: end;
    gap: 0.5rem;
  }
  .control button {
    min-width: 9rem;
    min-height: 3rem;
    font-size: 1.1rem;
  }
  .option {
    display: flex;
    align-items: center;
    gap: 0.4rem;
    font-size: 0.9rem;
    cursor: pointer;
  }
  .option input {
    width: 1.1rem;
    height: 1.1rem;
    accent-color: var(--accent);
  }
  .big {
    margin: 0;
    font-size: 1.6rem;
    font-weight: 700;
    font-variant-numeric: tabular-nums;
  }
  .big small {
    font-size: 0.9rem;
    font-weight: normal;
    color: var(--muted);
  }
  dl {
    margin: 0.5rem 0 0;
  }
  dd {
    overflow-wrap: anywhere;
  }
  .reason {
    margin: 0.35rem 0 0;
    color: var(--muted);
    font-size: 0.9rem;
    overflow-wrap: anywhere;
  }
  code {
    font-family: var(--mono);
    font-size: 0.9em;
  }
  progress {
    width: 100%;
    height: 0.6rem;
    accent-color: var(--accent);
  }
  spark-line {
    margin-top: 0.75rem;
  }
  .terms {
    margin-top: 1rem;
  }
  .problem {
    margin: 1rem 0 0;
    padding: 0.5rem 0.75rem;
    border-radius: var(--radius);
    background: var(--danger-soft);
    color: var(--danger);
    overflow-wrap: anywhere;
  }
  .retry-note {
    margin: 0.25rem 0 0;
    color: var(--muted);
    overflow-wrap: anywhere;
  }
  @media (max-width: 40rem) {
    .hero {
      grid-template-columns: minmax(0, 1fr);
    }
    .control {
      justify-items: stretch;
    }
  }
`;
