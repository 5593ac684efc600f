import { css } from 'lit';

export const jobBoardStyles = css`
  :host {
    display: block;
  }
  .bar {
    margin-bottom: 0.75rem;
  }
  h1:focus {
    outline: none;
  }
  .summary {
    margin: 0;
    color: var(--muted);
  }
  .bar .export {
    margin-left: auto;
  }
  .tools {
    display: flex;
    flex-wrap: wrap;
    align-items: end;
    gap: 0.75rem 1.25rem;
    margin-bottom: 0.75rem;
  }
  fieldset {
    display: flex;
    flex-wrap: wrap;
    gap: 0.35rem;
    margin: 0;
    padding: 0;
    border: none;
  }
  .filter input {
    position: absolute;
    opacity: 0;
    width: 1px;
    height: 1px;
  }
  .filter > span {
    display: inline-block;
    padding: 0.25rem 0.75rem;
    border: 1px solid var(--border);
    border-radius: 999px;
    background: var(--surface);
    cursor: pointer;
    font-size: 0.9rem;
    white-space: nowrap;
  }
  .filter > span:hover {
    background: var(--surface-2);
  }
  .filter input:checked + span {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--accent-text);
  }
  .filter input:focus-visible + span {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  .count {
    margin-left: 0.2rem;
    font-variant-numeric: tabular-nums;
    font-weight: 600;
  }
  .search {
    display: grid;
    gap: 0.2rem;
    flex: 1 1 14rem;
    max-width: 22rem;
    font-size: 0.9rem;
    font-weight: 600;
  }
  .search input {
    font: inherit;
    font-weight: normal;
    padding: 0.4rem 0.6rem;
    border: 1px solid var(--border);
    border-radius: var(--radius);
    background: var(--surface);
    color: var(--text);
  }
  ul {
    margin: 0;
    padding: 0;
    list-style: none;
    overflow: hidden;
  }
  li {
    width: 100%;
    border-bottom: 1px solid var(--border);
  }
  .empty {
    padding: 2rem 1rem;
    text-align: center;
    color: var(--muted);
  }
  .empty p {
    margin: 0.25rem 0;
  }
  .more {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1rem;
    margin-top: 0.75rem;
    color: var(--muted);
  }
  .notice {
    margin: 0 0 0.75rem;
  }
  .notice:empty {
    display: none;
  }
  .problem {
    margin: 0 0 0.75rem;
    padding: 0.5rem 0.75rem;
    border-radius: var(--radius);
    background: var(--danger-soft);
    color: var(--danger);
  }
  .problem:empty {
    display: none;
  }
`;
