/** Lease ids a session remembers for a while, newest last, at most `size` (the oldest forgotten first); each taken once. */
export class RecentLeaseIds {
  private readonly ids: string[] = [];

  constructor(private readonly size: number) {}

  add(leaseId: string): void {
    this.ids.push(leaseId);
    if (this.ids.length > this.size) this.ids.shift();
  }

  /** Whether the id was remembered; it no longer is. */
  take(leaseId: string): boolean {
    const at = this.ids.indexOf(leaseId);
    if (at < 0) return false;
    this.ids.splice(at, 1);
    return true;
  }
}
