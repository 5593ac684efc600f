// How much of something (connections, uploads, image bytes) each client address holds now, and in all.
export class AddressCounts {
  private readonly byAddress = new Map<string, number>();
  private held = 0;

  get total(): number {
    return this.held;
  }

  of(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }

  take(address: string, amount = 1): void {
    this.held += amount;
    this.byAddress.set(address, this.of(address) + amount);
  }

  release(address: string, amount = 1): void {
    this.held -= amount;
    const left = this.of(address) - amount;
    if (left <= 0) this.byAddress.delete(address);
    else this.byAddress.set(address, left);
  }
}
