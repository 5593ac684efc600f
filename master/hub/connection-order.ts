// Items (worker sessions) in the order they were added, each at a place never reused, read a page at a time after a
// place. A page seeks its first item by binary search over the places instead of scanning every item before it, so
// walking all pages of n items costs O(n) in all, not O(n²/limit): each page O(log n + limit + the holes it passes).

/** One page of items, oldest first, and the place after its last when more follow. */
export interface OrderPage<T> {
  items: T[];
  next: number | null;
}

export class ConnectionOrder<T> {
  /** Each item's place. */
  private readonly places = new Map<T, number>();
  /** Oldest first, so sorted by place; a removed item leaves a hole, swept out once holes outnumber the items. */
  private entries: { place: number; item: T | null }[] = [];
  private holes = 0;
  private nextPlace = 1;

  get size(): number {
    return this.places.size;
  }

  has(item: T): boolean {
    return this.places.has(item);
  }

  /** Oldest first. */
  values(): IterableIterator<T> {
    return this.places.keys();
  }

  /** Adds `item` at the next place; one already here keeps its place. */
  add(item: T): void {
    if (this.places.has(item)) return;
    const place = this.nextPlace++;
    this.places.set(item, place);
    this.entries.push({ place, item });
  }

  /** Whether `item` was here. */
  remove(item: T): boolean {
    const place = this.places.get(item);
    if (place === undefined) return false;
    this.places.delete(item);
    this.entries[this.firstAfter(place - 1)]!.item = null;
    // Swept when they outnumber the items: each sweep is paid for by as many removals, and a page passes few holes.
    if (++this.holes > this.places.size) {
      this.entries = this.entries.filter((entry) => entry.item !== null);
      this.holes = 0;
    }
    return true;
  }

  /**
   * At most `limit` items added after place `after` (0: from the first), oldest first. A place is never reused, so a
   * walk from page to page lists every item here throughout it once, however many leave or join meanwhile.
   */
  page(after: number, limit: number): OrderPage<T> {
    const items: T[] = [];
    let last = after;
    for (let i = this.firstAfter(after); i < this.entries.length; i++) {
      const { place, item } = this.entries[i]!;
      if (item === null) continue;
      if (items.length === limit) return { items, next: last };
      items.push(item);
      last = place;
    }
    return { items, next: null };
  }

  /** The index of the first entry whose place is after `place`. */
  private firstAfter(place: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entries[mid]!.place <= place) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
