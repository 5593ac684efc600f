import { LitElement, html, type PropertyValues } from 'lit';
import { adminDialogStyles } from './admin-dialog.styles.ts';
import { buttonStyles, panelStyles } from './shared.styles.ts';
import { strangerNameStyles, type ShownText } from './stranger-name.ts';

export type AdminConfirmEvent = CustomEvent<{ token: string }>;

/**
 * Asks for the admin token before a destructive bulk action. A native modal <dialog>: it traps
 * focus, closes on Escape and hands focus back when done. Says "admin-confirm" with the token
 * or "admin-cancel"; the page runs the action and passes any refusal back in `error`.
 */
export class AdminDialog extends LitElement {
  static override styles = [buttonStyles, panelStyles, strangerNameStyles, adminDialogStyles];
  static override properties = {
    open: { type: Boolean },
    busy: { type: Boolean },
    heading: {},
    message: {},
    action: {},
    token: {},
    error: {},
  };

  open = false;
  busy = false;
  heading = 'Admin token needed';
  /** May name a stranger's file (ownerOrAdmin), isolated. */
  message: ShownText = '';
  /** The confirming button's words, e.g. "Delete all jobs". */
  action = 'Confirm';
  /** Pre-filled token (remembered for this tab). */
  token = '';
  error: string | null = null;

  protected override render() {
    return html`
      <dialog aria-labelledby="heading" aria-describedby="message" @close=${this.onClose}>
        <form method="dialog" @submit=${this.onSubmit}>
          <h2 id="heading">${this.heading}</h2>
          <p id="message">${this.message}</p>
          <!-- Tells password managers whose token this is (and Chromium wants one beside a password). -->
          <input name="username" type="text" autocomplete="username" value="admin" hidden />
          <label>
            Admin token
            <input name="token" type="password" autocomplete="current-password" required .value=${this.token} />
          </label>
          <p class="error" role="alert">${this.error ?? ''}</p>
          <div class="buttons">
            <button type="button" class="secondary" @click=${this.cancel}>Cancel</button>
            <button type="submit" class="danger" ?disabled=${this.busy}>${this.busy ? 'Working…' : this.action}</button>
          </div>
        </form>
      </dialog>
    `;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!changed.has('open')) return;
    const dialog = this.renderRoot.querySelector('dialog')!;
    if (this.open && !dialog.open) dialog.showModal();
    else if (!this.open && dialog.open) dialog.close();
  }

  private onSubmit(event: SubmitEvent): void {
    // The dialog stays open until the page says the action worked.
    event.preventDefault();
    const token = new FormData(event.target as HTMLFormElement).get('token');
    if (typeof token !== 'string' || !token.trim()) return;
    this.dispatchEvent(new CustomEvent('admin-confirm', { detail: { token: token.trim() } }));
  }

  private cancel(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  /** Escape, Cancel, or the page closing it: only the first two are news to the page. */
  private onClose(): void {
    if (this.open) this.dispatchEvent(new CustomEvent('admin-cancel'));
  }
}

customElements.define('admin-dialog', AdminDialog);

declare global {
  interface HTMLElementTagNameMap {
    'admin-dialog': AdminDialog;
  }
}
