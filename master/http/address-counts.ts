// How many of something (connections, uploads) each client address holds now, and in all.
export class AddressCounts {
  private readonly byAddress = new Map<string, number>();
  private held = 0;

  get total(): number {
    return this.held;
  }

  of(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }

  take(address: string): void {
    this.held += 1;
    this.byAddress.set(address, this.of(address) + 1);
  }

  release(address: string): void {
    this.held -= 1;
    const left = this.of(address) - 1;
    if (left <= 0) this.byAddress.delete(address);
    else this.byAddress.set(address, left);
  }
}
