import type { Pausable } from './hidden-pause.ts';

const KEY = 'grid-pause-on-battery';

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;

/** The part of the Battery Status API we use; Chromium has it, Firefox and Safari do not. */
export interface BatteryLike {
  charging: boolean;
  addEventListener(type: 'chargingchange', listener: () => void): void;
}

/**
 * The volunteer's "pause while on battery" choice, remembered in localStorage, and the watch on the
 * charger that carries it out. Where the browser has no Battery Status API the option is not offered.
 */
export class BatteryPause {
  enabled: boolean;
  /** False until the browser reports a battery; stays false where the API does not exist. */
  supported = false;
  private battery: BatteryLike | null = null;

  constructor(
    private readonly target: Pausable,
    getBattery: (() => Promise<BatteryLike>) | undefined,
    private readonly storage: () => Storage,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.enabled = this.read();
    void getBattery?.()
      .then((battery) => {
        this.battery = battery;
        this.supported = true;
        battery.addEventListener('chargingchange', () => this.apply());
        this.apply();
      })
      .catch(() => undefined); // refused (permissions policy): nothing to watch
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

  get onBattery(): boolean {
    return this.battery !== null && !this.battery.charging;
  }

  private apply(): void {
    if (this.enabled && this.onBattery) this.target.pause('battery');
    else this.target.resume('battery');
    this.onChange();
  }

  private read(): boolean {
    try {
      return this.storage().getItem(KEY) === '1';
    } catch {
      return false;
    }
  }
}
