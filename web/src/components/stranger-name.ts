import { css, html, type TemplateResult } from 'lit';
import type { WorkerClass, WorkerKind } from '../../../master/protocol.ts';

/**
 * A name a stranger chose (a worker's, a volunteer's), shown on one line of its own: clipped with an ellipsis (the
 * whole name is its title) and isolated in its direction, so no name spills over the rows around it, however many
 * marks it stacks, or reorders the text beside it.
 */
export const strangerName = (name: string) => html`<span class="stranger-name" title=${name}>${name}</span>`;

/** Words for people that may hold a stranger's name, which they show as strangerName does. */
export type ShownText = string | TemplateResult;

/** What each class is called where people read it. */
export const CLASS_LABELS: Record<WorkerClass, string> = { trusted: 'operator fleet', volunteer: 'volunteer' };

/** What each kind of worker is called where people read it: a page a person opened, whoever's, is a browser tab. */
export const KIND_LABELS: Record<WorkerKind, string> = { volunteer: 'browser tab', headless: 'headless' };

/**
 * The worker a job or attempt names, or "a worker" when it names none. The name is the worker's own claim, the class
 * the master's word: a volunteer's is marked, so a volunteer calling itself "headless-1" never passes for the fleet.
 */
export function workerNamed(name: string | null, workerClass?: WorkerClass | null) {
  const named = name === null ? 'a worker' : strangerName(name);
  return workerClass === 'volunteer' ? html`${named} <span class="volunteer-mark">(volunteer)</span>` : named;
}

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
  .volunteer-mark {
    color: var(--muted);
    white-space: nowrap;
  }
`;
