// A fixed ring of time slots (e.g. 120 × 5 s): whatever is recorded lands in the
// slot of its time, and a slot is started afresh when its time comes round again,
// so memory never grows with uptime.
export interface TimedSlot<T> {
  /** Start of the slot, ms since the epoch, aligned to the slot length. */
  start: number;
  value: T;
}

export class RollingWindow<T> {
  private readonly ring: (TimedSlot<T> | undefined)[];

  constructor(
    private readonly slotMs: number,
    private readonly slotCount: number,
    private readonly emptySlot: () => T,
  ) {
    this.ring = new Array<TimedSlot<T> | undefined>(slotCount);
  }

  /** The slot that holds time `now`. */
  at(now: number): T {
    const start = this.slotStart(now);
    const index = this.indexOf(start);
    const held = this.ring[index];
    if (held?.start === start) return held.value;
    const fresh = { start, value: this.emptySlot() };
    this.ring[index] = fresh;
    return fresh.value;
  }

  /**
   * The window's slots, oldest first, ending with the one holding `now`; slots
   * where nothing was recorded come back empty. Slots wholly before `since` are left out.
   */
  slots(now: number, since = Number.NEGATIVE_INFINITY): TimedSlot<T>[] {
    const newest = this.slotStart(now);
    const slots: TimedSlot<T>[] = [];
    for (let age = this.slotCount - 1; age >= 0; age--) {
      const start = newest - age * this.slotMs;
      if (start + this.slotMs <= since) continue;
      const held = this.ring[this.indexOf(start)];
      slots.push(held?.start === start ? held : { start, value: this.emptySlot() });
    }
    return slots;
  }

  private slotStart(time: number): number {
    return Math.floor(time / this.slotMs) * this.slotMs;
  }

  private indexOf(start: number): number {
    return (start / this.slotMs) % this.slotCount;
  }
}
