import { css } from 'lit';

export const submitFormStyles = css`
  :host {
    display: block;
  }
  h1 {
    margin: 0 0 var(--gap);
    font-size: 1.5rem;
  }
  form {
    display: flex;
    flex-wrap: wrap;
    align-items: end;
    gap: var(--gap);
    padding: var(--gap);
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: var(--radius);
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 0.25rem;
    min-width: 0;
  }
  label {
    font-weight: 600;
  }
  .hint {
    color: var(--muted);
    font-size: 0.9rem;
  }
  input[type='file'] {
    font: inherit;
    max-width: 100%;
  }
  button {
    font: inherit;
    padding: 0.45rem 1.1rem;
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
  button:focus-visible,
  input:focus-visible {
    outline: 2px solid var(--accent);
    outline-offset: 2px;
  }
  .error {
    color: var(--danger);
  }
  h2 {
    font-size: 1.1rem;
    margin: 1.5rem 0 0.5rem;
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
  .pending {
    padding: 0.6rem 0.75rem;
    color: var(--muted);
    font-family: var(--mono);
  }
`;
