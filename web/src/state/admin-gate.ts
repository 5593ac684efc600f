import { html, type ReactiveController, type ReactiveControllerHost } from 'lit';
import { ApiError } from '../api.ts';
import type { AdminConfirmEvent } from '../components/admin-dialog.ts';
import { strangerName, type ShownText } from '../components/stranger-name.ts';
import { errorMessage } from '../lib/errors.ts';
import { forgetAdminToken, saveAdminToken, savedAdminToken } from './admin-token.ts';
import '../components/admin-dialog.ts';

/** The prompt's words when this browser holds no owner key for the job (it did not submit it): its file name, isolated. */
export const ownerOrAdmin = (fileName: string | null, verb: string) =>
  html`Only the browser that submitted ${fileName === null ? 'this job' : strangerName(fileName)} or the admin may ${verb} it. The admin token:`;

export interface AdminPrompt {
  heading: string;
  message: ShownText;
  /** The confirming button's words. */
  action: string;
}

interface Pending extends AdminPrompt {
  run: (token: string) => Promise<void>;
  settle: (ran: boolean) => void;
}

/**
 * Runs actions the master may guard with its admin token. The token this tab remembers is tried
 * first; when the master refuses (401), or the action always wants a confirmation, the admin
 * dialog asks, shows any refusal in the master's words, and the action runs again.
 */
export class AdminGate implements ReactiveController {
  private pending: Pending | null = null;
  private busy = false;
  private error: string | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.cancel();
  }

  /** Resolves true once the action ran, false if the person gave up. Other failures are thrown. */
  async run(action: (token: string | undefined) => Promise<void>, prompt: AdminPrompt, { confirmFirst = false } = {}): Promise<boolean> {
    if (!confirmFirst) {
      try {
        await action(savedAdminToken() || undefined);
        return true;
      } catch (error) {
        if (!isTokenRefusal(error)) throw error;
        forgetAdminToken();
      }
    }
    return new Promise((settle) => {
      this.pending?.settle(false);
      this.pending = { ...prompt, run: action, settle };
      this.error = null;
      this.host.requestUpdate();
    });
  }

  /** The dialog, for the host to place in its template. */
  render() {
    const pending = this.pending;
    return html`
      <admin-dialog
        ?open=${pending !== null}
        ?busy=${this.busy}
        .heading=${pending?.heading ?? ''}
        .message=${pending?.message ?? ''}
        .action=${pending?.action ?? ''}
        .token=${savedAdminToken()}
        .error=${this.error}
        @admin-confirm=${(event: AdminConfirmEvent) => this.confirm(event.detail.token)}
        @admin-cancel=${() => this.cancel()}
      ></admin-dialog>
    `;
  }

  private async confirm(token: string): Promise<void> {
    const pending = this.pending;
    if (!pending || this.busy) return;
    this.busy = true;
    this.error = null;
    this.host.requestUpdate();
    // Cancelled while it ran, the dialog may since ask for another action: what this one ends in is not that one's.
    const current = () => this.pending === pending;
    try {
      await pending.run(token);
      saveAdminToken(token);
      if (current()) this.pending = null;
      pending.settle(true);
    } catch (error) {
      if (isTokenRefusal(error)) forgetAdminToken();
      // 401 and 403 are the master's verdict on the token: its words say what is wrong.
      if (current())
        this.error = error instanceof ApiError && error.status > 0 ? `The master refused (${error.status}): ${error.message}` : errorMessage(error);
    } finally {
      this.busy = false;
      this.host.requestUpdate();
    }
  }

  private cancel(): void {
    const pending = this.pending;
    this.pending = null;
    pending?.settle(false);
    this.host.requestUpdate();
  }
}

function isTokenRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}
