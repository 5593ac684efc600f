import { html } from 'lit';
import { errorMessage } from '../lib/errors.ts';
import type { ShownText } from './stranger-name.ts';

/** The view's two status lines: what went well, and what went wrong. */
export interface ActionReport {
  notice: ShownText;
  problem: ShownText;
}

/**
 * Runs an action and says on the view how it went: the success notice, or the failure with its
 * cause as the problem. False if it failed or the person cancelled (the action resolved false).
 */
export async function reportAction(view: ActionReport, action: () => Promise<boolean | void>, success: ShownText, failure: ShownText): Promise<boolean> {
  view.problem = '';
  try {
    if ((await action()) === false) return false;
    view.notice = success;
    return true;
  } catch (error) {
    view.problem = html`${failure}: ${errorMessage(error)}.`;
    return false;
  }
}
