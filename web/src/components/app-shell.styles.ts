import { css } from 'lit';

export const appShellStyles = css`
  :host {
    display: block;
    min-height: 100vh;
  }
  .skip {
    position: absolute;
    left: -999px;
  }
  .skip:focus {
    left: 1rem;
    top: 0.5rem;
    padding: 0.25rem 0.5rem;
    background: var(--surface);
    z-index: 1;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 1.5rem;
    padding: 0.75rem var(--gap);
    background: var(--surface);
    border-bottom: 1px solid var(--border);
  }
  .brand {
    font-weight: 700;
    font-size: 1.1rem;
  }
  nav ul {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  nav a {
    display: block;
    padding: 0.35rem 0.75rem;
    border-radius: var(--radius);
    color: var(--text);
    text-decoration: none;
  }
  nav a:hover {
    background: var(--bg);
  }
  nav a[aria-current='page'] {
    background: var(--accent);
    color: var(--accent-text);
  }
  a:focus-visible {
    outline: 2px solid var(--accent);
    outline-offset: 2px;
  }
  main {
    max-width: 72rem;
    margin: 0 auto;
    padding: var(--gap);
  }
  /* Focus lands here after navigation for screen readers; a ring around the whole page helps nobody. */
  main:focus {
    outline: none;
  }
  main a {
    color: var(--accent);
  }
  .problem {
    color: var(--danger);
  }
`;
