import { css } from 'lit';

export const donorControlsStyles = css`
  :host {
    display: block;
    min-width: 0;
  }
  /* The donate page's card rules stop at this shadow root: its panels are padded here. */
  section {
    padding: 1rem;
  }
  section + section {
    margin-top: 1rem;
  }
  fieldset {
    border: 0;
    margin: 0 0 0.75rem;
    padding: 0;
  }
  legend {
    font-weight: 600;
    margin-bottom: 0.35rem;
  }
  .choices {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
  }
  label {
    display: inline-flex;
    align-items: center;
    gap: 0.4rem;
    cursor: pointer;
  }
  input[type='radio'],
  input[type='checkbox'] {
    width: 1.1rem;
    height: 1.1rem;
    accent-color: var(--accent);
  }
  input[type='number'] {
    font: inherit;
    width: 7rem;
    padding: 0.25rem 0.4rem;
    border: 1px solid var(--border);
    border-radius: var(--radius);
    background: var(--surface);
    color: var(--text);
  }
  .hint {
    margin: 0.25rem 0 0;
    color: var(--muted);
    font-size: 0.9rem;
  }
  ul {
    margin: 0.35rem 0 0;
    padding-left: 1.2rem;
  }
  li {
    margin: 0.2rem 0;
  }
`;
