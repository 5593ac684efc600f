const HOUR_MS = 3_600_000;

/**
 * How many images were finished in the last hour, for the volunteer's hourly cap. It keeps an hour of finish times
 * at most, cap or no cap: a fleet page without one finishes millions of images a day.
 */
export class HourlyCount {
  /** Finish times, oldest first, none older than an hour before the newest. */
  private readonly times: number[] = [];

  add(now: number): void {
    this.times.push(now);
    this.forgetBefore(now);
  }

  count(now: number): number {
    this.forgetBefore(now);
    return this.times.length;
  }

  /** When the oldest image counted now leaves the window (the count drops), or null when none is counted. */
  nextDrop(now: number): number | null {
    return this.count(now) === 0 ? null : this.times[0]! + HOUR_MS;
  }

  /** Finish times held: the bound's test reads it. */
  get held(): number {
    return this.times.length;
  }

  private forgetBefore(now: number): void {
    while (this.times.length > 0 && this.times[0]! <= now - HOUR_MS) this.times.shift();
  }
}
