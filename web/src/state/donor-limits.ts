import { CPU_SHARES, DonorLimits, UNLIMITED } from '../../../master/protocol.ts';

const KEY = 'grid-donor-limits';

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;

export { CPU_SHARES };

/** The volunteer's CPU share and hourly cap, remembered in localStorage per browser, handed to the runtime. */
export class DonorLimitsSetting {
  limits: DonorLimits;

  constructor(
    private readonly apply: (limits: DonorLimits) => void,
    private readonly storage: () => Storage,
  ) {
    this.limits = this.read();
    apply(this.limits);
  }

  /** Merges a change, checked against the protocol's schema; an invalid one is refused and returns false. */
  set(change: Partial<DonorLimits>): boolean {
    const parsed = DonorLimits.safeParse({ ...this.limits, ...change });
    if (!parsed.success) return false;
    this.limits = parsed.data;
    try {
      this.storage().setItem(KEY, JSON.stringify(this.limits));
    } catch {
      // Storage blocked: the choice lasts this visit only.
    }
    this.apply(this.limits);
    return true;
  }

  private read(): DonorLimits {
    try {
      const parsed = DonorLimits.safeParse(JSON.parse(this.storage().getItem(KEY) ?? 'null'));
      return parsed.success ? parsed.data : UNLIMITED;
    } catch {
      return UNLIMITED;
    }
  }
}
