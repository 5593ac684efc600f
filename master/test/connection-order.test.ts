// The order GET /api/workers pages through (pure logic): every page the same as a scan of all items from the first
// would give, across hundreds of adds and removes between pages and the sweeps of the holes they leave.
import { expect, it } from 'vitest';
import { ConnectionOrder, type OrderPage } from '../hub/connection-order.ts';

/** What a page is, by definition: a scan from the first item, skipping those at or before `after`. */
function scanned(present: { place: number; item: number }[], after: number, limit: number): OrderPage<number> {
  const later = present.filter((entry) => entry.place > after);
  const items = later.slice(0, limit);
  return { items: items.map((entry) => entry.item), next: later.length > limit ? items.at(-1)!.place : null };
}

/** A fixed sequence of numbers from 0 to 1, the same every run. */
function seeded(seed: number): () => number {
  return () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

it('pages as a scan from the first would, with items added and removed between pages', () => {
  const random = seeded(7);
  const order = new ConnectionOrder<number>();
  let present: { place: number; item: number }[] = [];
  let added = 0;
  const add = () => {
    order.add(added);
    present.push({ place: added + 1, item: added++ });
  };
  for (let i = 0; i < 600; i++) add();

  for (let walk = 0; walk < 5; walk++) {
    const limit = 2 + Math.floor(random() * 60);
    const listed: number[] = [];
    let page = order.page(0, limit);
    for (;;) {
      listed.push(...page.items);
      if (page.next === null) break;
      // Removals anywhere (enough at times to sweep the holes) and additions, between two pages of the walk.
      for (const entry of present.filter(() => random() < 0.2)) expect(order.remove(entry.item)).toBe(true);
      const removed = new Set(present.map((entry) => entry.item).filter((item) => !order.has(item)));
      present = present.filter((entry) => !removed.has(entry.item));
      // Fewer than a page, so that the walk ends.
      for (let i = Math.floor(random() * limit); i > 0; i--) add();
      expect(order.size).toBe(present.length);
      const after = page.next;
      page = order.page(after, limit);
      expect(page).toEqual(scanned(present, after, limit));
    }
    expect(new Set(listed).size).toBe(listed.length);
    for (const entry of present) expect(listed).toContain(entry.item);
  }
  expect(order.remove(-1)).toBe(false);
  expect([...order.values()]).toEqual(present.map((entry) => entry.item));
});
