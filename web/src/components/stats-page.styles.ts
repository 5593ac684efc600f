import { css } from 'lit';

export const statsPageStyles = css`
  :host {
    display: block;
  }
  .bar {
    margin-bottom: 1rem;
  }
  .updated {
    margin: 0;
    color: var(--muted);
  }
  .bar button {
    margin-left: auto;
  }
  .problem {
    margin: 0 0 1rem;
    padding: 0.6rem 0.85rem;
    border: 1px solid var(--danger);
    border-radius: var(--radius);
    background: var(--danger-soft);
    color: var(--danger);
  }
  .problem-detail {
    margin: -0.5rem 0 1rem;
    color: var(--muted);
  }
  .tiles {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr));
    gap: 0.75rem;
    margin: 0 0 1rem;
    padding: 0;
    list-style: none;
  }
  .tiles li {
    padding: 0.75rem 1rem;
  }
  .tiles .value {
    display: block;
    font-size: 1.6rem;
    font-weight: 700;
    font-variant-numeric: tabular-nums;
  }
  .tiles .name {
    color: var(--muted);
    font-size: 0.9rem;
  }
  .charts {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr));
    gap: 1rem;
    margin-bottom: 1rem;
  }
  .latency {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(100%, 20rem), 1fr));
    gap: 1rem;
    margin-bottom: 1rem;
  }
  section.panel {
    padding: 1rem;
    min-width: 0;
  }
  .note {
    margin: 0.25rem 0 0.5rem;
    color: var(--muted);
    font-size: 0.9rem;
    font-variant-numeric: tabular-nums;
  }
  .dispatch {
    margin-top: 1rem;
  }
  .empty {
    padding: 2rem 1rem;
    text-align: center;
    color: var(--muted);
  }
`;
