import { PauseOption, type OptionStorage, type Pausable } from './pause-option.ts';

/** The part of the Battery Status API we use; Chromium has it, Firefox and Safari do not. */
export interface BatteryLike {
  charging: boolean;
  addEventListener(type: 'chargingchange', listener: () => void): void;
}

/**
 * The volunteer's "pause while on battery" choice, and the watch on the charger that carries it out.
 * Where the browser has no Battery Status API the option is not offered.
 */
export class BatteryPause extends PauseOption {
  /** False until the browser reports a battery; stays false where the API does not exist. */
  supported = false;
  private battery: BatteryLike | null = null;

  constructor(
    target: Pausable,
    getBattery: (() => Promise<BatteryLike>) | undefined,
    storage: () => OptionStorage,
    private readonly onChange: () => void = () => undefined,
  ) {
    super(target, 'battery', 'grid-pause-on-battery', storage);
    void getBattery?.()
      .then((battery) => {
        this.battery = battery;
        this.supported = true;
        battery.addEventListener('chargingchange', () => this.apply());
        this.apply();
      })
      .catch(() => undefined); // refused (permissions policy): nothing to watch
  }

  get onBattery(): boolean {
    return this.battery !== null && !this.battery.charging;
  }

  protected holds(): boolean {
    return this.onBattery;
  }

  /** The page shows whether the device is on battery, so it hears of every change. */
  protected override apply(): void {
    super.apply();
    this.onChange();
  }
}
