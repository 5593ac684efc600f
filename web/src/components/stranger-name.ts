import { css, html } from 'lit';

/**
 * A name a stranger chose (a worker's, a volunteer's), shown on one line of its own: clipped with an ellipsis (the
 * whole name is its title) and isolated in its direction, so no name spills over the rows around it, however many
 * marks it stacks, or reorders the text beside it.
 */
export const strangerName = (name: string) => html`<span class="stranger-name" title=${name}>${name}</span>`;

/** The worker a job names (its claimed name), or "a worker" when it names none. */
export const workerNamed = (name: string | null) => (name === null ? 'a worker' : strangerName(name));

export const strangerNameStyles = css`
  .stranger-name {
    display: inline-block;
    max-width: 16rem;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    vertical-align: bottom;
    unicode-bidi: isolate;
  }
`;
