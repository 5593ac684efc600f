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
    z-index: 2;
  }
  header {
    position: sticky;
    top: 0;
    z-index: 1;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.25rem 1.5rem;
    padding: 0.5rem var(--gap);
    background: var(--surface);
    border-bottom: 1px solid var(--border);
  }
  .brand {
    display: inline-flex;
    align-items: center;
    gap: 0.5rem;
    font-weight: 700;
    font-size: 1.1rem;
    color: var(--text);
    text-decoration: none;
  }
  /* Four squares: a tiny grid, drawn in CSS so no image is fetched. */
  .logo {
    width: 1.1rem;
    height: 1.1rem;
    background:
      linear-gradient(var(--accent) 0 0) 0 0 / 45% 45% no-repeat,
      linear-gradient(var(--accent) 0 0) 100% 0 / 45% 45% no-repeat,
      linear-gradient(var(--accent) 0 0) 0 100% / 45% 45% no-repeat,
      linear-gradient(var(--status-done) 0 0) 100% 100% / 45% 45% no-repeat;
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
    white-space: nowrap;
  }
  nav a:hover {
    background: var(--surface-2);
  }
  nav a[aria-current='page'] {
    background: var(--accent);
    color: var(--accent-text);
  }
  a:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  main {
    max-width: 72rem;
    margin: 0 auto;
    padding: 1.25rem var(--gap) 3rem;
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
  @media (max-width: 30rem) {
    header {
      padding: 0.5rem 0.75rem;
    }
    nav a {
      padding: 0.3rem 0.55rem;
    }
    main {
      padding: 1rem 0.75rem 2.5rem;
    }
  }
`;
