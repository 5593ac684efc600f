const HOUR_MS = 3_600_000;

/**
 * How many images were finished in the last hour, for the volunteer's hourly cap. It keeps under two hours of finish
 * times, cap or no cap: a fleet page without one finishes millions of images a day.
 */
export class HourlyCount {
  /** Finish times, oldest first; those before `first` are forgotten (dropped in bulk, so each add costs O(1)). */
  private times: number[] = [];
  private first = 0;

  add(now: number): void {
    this.times.push(now);
    this.forgetBefore(now);
  }

  count(now: number): number {
    this.forgetBefore(now);
    return this.times.length - this.first;
  }

  /** When the oldest image counted now leaves the window (the count drops), or null when none is counted. */
  nextDrop(now: number): number | null {
    return this.count(now) === 0 ? null : this.times[this.first]! + HOUR_MS;
  }

  /** Finish times held: the bound's test reads it. */
  get held(): number {
    return this.times.length;
  }

  private forgetBefore(now: number): void {
    while (this.first < this.times.length && this.times[this.first]! <= now - HOUR_MS) this.first++;
    // Once the forgotten outnumber the counted, they go: what is held stays under twice an hour's finishes.
    if (this.first > this.times.length / 2) {
      this.times = this.times.slice(this.first);
      this.first = 0;
    }
  }
}
