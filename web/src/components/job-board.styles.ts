import { css } from 'lit';

export const jobBoardStyles = css`
  :host {
    display: block;
  }
  .bar {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0.5rem 1.5rem;
    margin-bottom: var(--gap);
  }
  h1 {
    margin: 0;
    font-size: 1.5rem;
  }
  .workers {
    margin: 0;
    color: var(--muted);
  }
  label {
    margin-left: auto;
    display: flex;
    gap: 0.5rem;
    align-items: center;
  }
  select {
    font: inherit;
    padding: 0.25rem 0.5rem;
    border-radius: var(--radius);
    border: 1px solid var(--border);
    background: var(--surface);
    color: var(--text);
  }
  ul {
    margin: 0;
    padding: 0;
    list-style: none;
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: var(--radius);
  }
  li + li {
    border-top: 1px solid var(--border);
  }
  a {
    color: var(--accent);
  }
  .empty,
  .more {
    color: var(--muted);
  }
`;
