import { css } from 'lit';

export const adminDialogStyles = css`
  dialog {
    width: min(28rem, calc(100vw - 2rem));
    padding: 1.25rem;
    border: 1px solid var(--border);
    border-radius: var(--radius);
    background: var(--surface);
    color: var(--text);
    box-shadow: 0 12px 40px rgb(0 0 0 / 25%);
  }
  dialog::backdrop {
    background: rgb(15 20 30 / 45%);
  }
  form {
    display: grid;
    gap: 0.9rem;
  }
  p {
    margin: 0;
  }
  label {
    display: grid;
    gap: 0.3rem;
    font-weight: 600;
  }
  input {
    font: inherit;
    padding: 0.45rem 0.6rem;
    border: 1px solid var(--border);
    border-radius: var(--radius);
    background: var(--surface);
    color: var(--text);
  }
  .error {
    padding: 0.5rem 0.75rem;
    border-radius: var(--radius);
    background: var(--danger-soft);
    color: var(--danger);
  }
  .error:empty {
    display: none;
  }
  .buttons {
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    gap: 0.5rem;
  }
`;
