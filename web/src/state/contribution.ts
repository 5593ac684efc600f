const KEY = 'grid-images-classified';

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;

/**
 * How many images this browser has classified for the grid, over all visits: the runtime counts
 * per session, and this adds each session's progress to the total kept in localStorage.
 */
export class ContributionTally {
  total: number;
  private counted = 0;

  constructor(private readonly storage: () => Storage) {
    this.total = this.read() ?? 0;
  }

  /** Call with the runtime's jobs-done count whenever it changes. */
  sync(jobsDone: number): void {
    const fresh = jobsDone - this.counted;
    if (fresh <= 0) return;
    this.counted = jobsDone;
    // Re-read first: another tab of this browser may have added its own since.
    this.total = (this.read() ?? this.total) + fresh;
    try {
      this.storage().setItem(KEY, String(this.total));
    } catch {
      // Storage blocked (privacy mode): the count lasts this visit only.
    }
  }

  /** The stored total, or null when there is none or storage is blocked. */
  private read(): number | null {
    try {
      const saved = Number(this.storage().getItem(KEY));
      return Number.isSafeInteger(saved) && saved > 0 ? saved : null;
    } catch {
      return null;
    }
  }
}
