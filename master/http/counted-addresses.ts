// Which client addresses a per-address allowance counts apart. Each one counted is a key kept for a window, and a
// client may have very many addresses (an IPv6 /48 holds 65,536 /64s, a /32 four billion): past MAX_COUNTED_ADDRESSES
// counted in one window, an address not yet counted shares one allowance with every other such address until room
// frees up. So the keys a limiter keeps are bounded however many addresses come, and a flood of new addresses
// exhausts only the shared allowance, never the one of an address already counted.

/** The key every address past the cap shares (no address looks like it). */
export const SHARED_KEY = 'addresses-past-the-cap';

export class CountedAddresses {
  /** Address → when its window ends. Every window is as long, so insertion order is the order they end in. */
  private readonly ends = new Map<string, number>();

  constructor(
    private readonly maxAddresses: number,
    private readonly windowMs: number,
  ) {}

  /** The key `address` is counted under at `now`: its own while there is room, else the shared one. */
  keyFor(address: string, now: number): string {
    const end = this.ends.get(address);
    if (end !== undefined && end > now) return address;
    this.ends.delete(address);
    this.forgetEnded(now);
    if (this.ends.size >= this.maxAddresses) return SHARED_KEY;
    this.ends.set(address, now + this.windowMs);
    return address;
  }

  get size(): number {
    return this.ends.size;
  }

  private forgetEnded(now: number): void {
    for (const [address, end] of this.ends) {
      if (end > now) return;
      this.ends.delete(address);
    }
  }
}
