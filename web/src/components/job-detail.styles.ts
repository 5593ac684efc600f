import { css } from 'lit';

export const jobDetailStyles = css`
  :host {
    display: block;
  }
  .back {
    display: inline-block;
    margin-bottom: 0.75rem;
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 0.75rem;
    margin-bottom: 1rem;
  }
  h1 {
    overflow-wrap: anywhere;
  }
  h1:focus {
    outline: none;
  }
  .actions {
    display: flex;
    gap: 0.5rem;
    margin-left: auto;
  }
  .layout {
    display: grid;
    grid-template-columns: minmax(0, 22rem) minmax(0, 1fr);
    gap: 1rem;
    align-items: start;
  }
  figure {
    margin: 0;
    padding: 0.75rem;
  }
  figure img {
    display: block;
    width: 100%;
    max-height: 26rem;
    object-fit: contain;
    border-radius: calc(var(--radius) / 1.5);
    background: var(--surface-2);
  }
  /* In place of an image deleted by retention. */
  figure .expired {
    display: grid;
    place-items: center;
    min-height: 10rem;
    margin: 0;
    padding: 1rem;
    border-radius: calc(var(--radius) / 1.5);
    background: var(--surface-2);
    color: var(--muted);
    text-align: center;
  }
  figcaption {
    margin-top: 0.5rem;
    color: var(--muted);
    font-size: 0.9rem;
  }
  .facts {
    display: grid;
    /* minmax(0, …): a wide table of answers scrolls inside its panel instead of widening the page. */
    grid-template-columns: minmax(0, 1fr);
    gap: 1rem;
  }
  section.panel {
    padding: 1rem;
  }
  dd {
    overflow-wrap: anywhere;
  }
  /* A name's 16rem is wider than a phone leaves beside its term: the page scrolled sideways. */
  dd .stranger-name {
    max-width: 100%;
  }
  code {
    font-family: var(--mono);
    font-size: 0.9em;
  }
  .failure {
    margin: 0;
    padding: 0.5rem 0.75rem;
    border-radius: var(--radius);
    background: var(--danger-soft);
    color: var(--danger);
    overflow-wrap: anywhere;
  }
  .votes,
  .requeued {
    margin: 0.5rem 0 0;
  }
  .requeued {
    color: var(--muted);
    overflow-wrap: anywhere;
  }
  .explanation {
    margin: 0 0 0.75rem;
  }
  section.panel .scroll {
    margin-top: 0.75rem;
  }
  .agreed {
    color: var(--status-done);
    font-weight: 700;
  }
  .disagreed {
    color: var(--danger);
    font-weight: 700;
  }
  .notice:empty,
  .problem:empty {
    display: none;
  }
  .problem {
    color: var(--danger);
  }
  @media (max-width: 48rem) {
    .layout {
      grid-template-columns: minmax(0, 1fr);
    }
    .actions {
      margin-left: 0;
    }
  }
`;
