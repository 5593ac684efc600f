// The /livez probes of one bench:hostile attack, from the probe's output (metrics/hostile-probe.ts): "sent <id>" when
// a probe goes out, "<id> <ms> <status>" when it is answered or gives up (status 0). Pure.

export class ProbeWindow {
  readonly latencies: number[] = [];
  failed = 0;
  private readonly inFlight = new Set<number>();
  private open = true;

  /** One line of the probe's output; a probe sent outside the window is not counted. */
  line(text: string): void {
    const [first, second, third] = text.split(' ');
    if (first === 'sent') {
      if (this.open) this.inFlight.add(Number(second));
      return;
    }
    if (!this.inFlight.delete(Number(first))) return;
    this.latencies.push(Number(second));
    if (Number(third) !== 200) this.failed++;
  }

  /** The attack is over: probes sent from now on are not its, those in flight still are. */
  close(): void {
    this.open = false;
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** Probes still unreported when the bench stops waiting count as failed: a stall at the attack's end must show. */
  giveUp(): void {
    this.failed += this.inFlight.size;
    this.inFlight.clear();
  }
}
