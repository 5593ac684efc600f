/** Mean of the last `size` samples: "ms per image" should follow the current load, not history. */
export class RollingMean {
  private readonly samples: number[] = [];
  private sum = 0;

  constructor(private readonly size: number) {}

  add(sample: number): void {
    this.samples.push(sample);
    this.sum += sample;
    if (this.samples.length > this.size) this.sum -= this.samples.shift()!;
  }

  get value(): number | null {
    return this.samples.length === 0 ? null : this.sum / this.samples.length;
  }
}
