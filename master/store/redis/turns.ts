// The order in which a store's calls ask its partitions (redis-job-store.ts).

/** Takes turns over the partitions: each call starts one further on, so none is always asked last. */
export class Turns {
  constructor(
    private readonly count: number,
    private next: number,
  ) {}

  /** Every partition once, starting with this turn's. */
  take(): number[] {
    const first = this.next;
    this.next = (first + 1) % this.count;
    return Array.from({ length: this.count }, (_, i) => (first + i) % this.count);
  }
}
