const HOUR_MS = 3_600_000;

/** How many images were finished in the last hour, for the volunteer's hourly cap. */
export class HourlyCount {
  /** Finish times, oldest first. */
  private readonly times: number[] = [];

  add(now: number): void {
    this.times.push(now);
  }

  count(now: number): number {
    while (this.times.length > 0 && this.times[0]! <= now - HOUR_MS) this.times.shift();
    return this.times.length;
  }

  /** When the oldest image counted now leaves the window (the count drops), or null when none is counted. */
  nextDrop(now: number): number | null {
    return this.count(now) === 0 ? null : this.times[0]! + HOUR_MS;
  }
}
