import type { PauseReason } from '../worker-runtime/status.ts';

/** What a pause option pauses: the worker runtime. */
export interface Pausable {
  pause(reason: PauseReason): void;
  resume(reason: PauseReason): void;
}

export type OptionStorage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;

/**
 * A volunteer's "pause while …" choice, remembered in localStorage: while it is on and its condition
 * holds (the tab is hidden, the device runs on battery), the target takes no new work for its reason.
 */
export abstract class PauseOption {
  enabled: boolean;

  protected constructor(
    private readonly target: Pausable,
    private readonly reason: PauseReason,
    private readonly key: string,
    private readonly storage: () => OptionStorage,
  ) {
    this.enabled = this.read();
  }

  /** Whether the condition to pause for holds now. */
  protected abstract holds(): boolean;

  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    try {
      this.storage().setItem(this.key, enabled ? '1' : '0');
    } catch {
      // Storage blocked: the choice lasts this visit only.
    }
    this.apply();
  }

  /** Pauses or resumes the target as the choice and the condition say now. */
  protected apply(): void {
    if (this.enabled && this.holds()) this.target.pause(this.reason);
    else this.target.resume(this.reason);
  }

  private read(): boolean {
    try {
      return this.storage().getItem(this.key) === '1';
    } catch {
      return false;
    }
  }
}
