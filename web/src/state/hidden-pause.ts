const KEY = 'grid-pause-when-hidden';

import type { PauseReason } from '../worker-runtime/status.ts';

export interface Pausable {
  pause(reason: PauseReason): void;
  resume(reason: PauseReason): void;
}

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;
type VisibilitySource = Pick<Document, 'visibilityState' | 'addEventListener'>;

/**
 * The volunteer's "pause while this tab is hidden" choice, remembered in localStorage, and the
 * watch on page visibility that carries it out.
 */
export class HiddenTabPause {
  enabled: boolean;

  constructor(
    private readonly target: Pausable,
    private readonly page: VisibilitySource,
    private readonly storage: () => Storage,
  ) {
    this.enabled = this.read();
    page.addEventListener('visibilitychange', () => this.apply());
    this.apply();
  }

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    try {
      this.storage().setItem(KEY, enabled ? '1' : '0');
    } catch {
      // Storage blocked: the choice lasts this visit only.
    }
    this.apply();
  }

  private apply(): void {
    if (this.enabled && this.page.visibilityState === 'hidden') this.target.pause('hidden');
    else this.target.resume('hidden');
  }

  private read(): boolean {
    try {
      return this.storage().getItem(KEY) === '1';
    } catch {
      return false;
    }
  }
}
