import { css } from 'lit';

export const dropZoneStyles = css`
  :host {
    display: block;
  }
  .zone {
    position: relative;
    border: 2px dashed var(--border);
    border-radius: var(--radius);
    background: var(--surface);
    transition: border-color 0.15s, background-color 0.15s;
  }
  .zone[data-over] {
    border-color: var(--accent);
    background: var(--accent-soft);
  }
  input {
    position: absolute;
    width: 1px;
    height: 1px;
    opacity: 0;
  }
  label {
    display: grid;
    justify-items: center;
    gap: 0.5rem;
    padding: 2rem 1rem;
    text-align: center;
    cursor: pointer;
  }
  input:focus-visible + label {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
    border-radius: var(--radius);
  }
  .icon {
    width: 2.5rem;
    height: 2.5rem;
    color: var(--accent);
  }
  .lead {
    font-size: 1.1rem;
    font-weight: 600;
  }
  .choose {
    display: inline-block;
    padding: 0.35rem 0.95rem;
    border-radius: var(--radius);
    background: var(--accent);
    color: var(--accent-text);
    font-weight: 600;
  }
  .hint {
    color: var(--muted);
    font-size: 0.9rem;
  }
`;
