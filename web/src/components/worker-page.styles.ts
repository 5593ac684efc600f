import { css } from 'lit';

export const workerPageStyles = css`
  :host {
    display: block;
  }
  h1 {
    margin: 0 0 0.5rem;
    font-size: 1.5rem;
  }
  .intro {
    margin: 0 0 var(--gap);
    color: var(--muted);
    max-width: 45rem;
  }
  .panel {
    padding: var(--gap);
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: var(--radius);
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: var(--gap);
    margin-bottom: var(--gap);
  }
  .state {
    margin: 0;
    font-size: 1.2rem;
    font-weight: 600;
  }
  .state[data-state='ready'] {
    color: var(--status-done);
  }
  .state[data-state='error'] {
    color: var(--danger);
  }
  button {
    font: inherit;
    padding: 0.45rem 1.25rem;
    border: none;
    border-radius: var(--radius);
    background: var(--accent);
    color: var(--accent-text);
    cursor: pointer;
  }
  button:disabled {
    opacity: 0.6;
    cursor: progress;
  }
  button:focus-visible {
    outline: 2px solid var(--accent);
    outline-offset: 2px;
  }
  dl {
    display: grid;
    grid-template-columns: max-content minmax(0, 1fr);
    gap: 0.4rem 1.25rem;
    margin: 0;
  }
  dt {
    color: var(--muted);
  }
  dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .reason {
    display: block;
    color: var(--muted);
    font-size: 0.9rem;
  }
  code {
    font-family: var(--mono);
  }
  progress {
    vertical-align: middle;
    margin-left: 0.5rem;
  }
  .error {
    color: var(--danger);
    margin: var(--gap) 0 0;
  }
  @media (max-width: 30rem) {
    dl {
      grid-template-columns: minmax(0, 1fr);
    }
    dd {
      margin-bottom: 0.4rem;
    }
  }
`;
