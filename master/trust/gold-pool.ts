// Spot checks encoded ahead: a re-encoding takes the master tens of milliseconds of CPU (gold-reencoding.ts), and
// made on demand it held up the dispatch that handed it out, every worker waiting behind it. The pool keeps up to
// GOLD_POOL_SIZE fresh draws ready and refills in the background after each is taken; each is handed out once.
// Empty (or size 0), a draw is encoded on demand as before.
import type { GoldDraw, GoldSet } from './gold-set.ts';

export class GoldPool {
  private readonly ready: GoldDraw[] = [];
  private filling = false;

  constructor(
    private readonly gold: Pick<GoldSet, 'next'>,
    /** Most draws kept ready (GOLD_POOL_SIZE); a few KB each. */
    private readonly size: number,
  ) {}

  /** How many draws are ready now. */
  get readyCount(): number {
    return this.ready.length;
  }

  /** A fresh draw, never handed out before: a ready one when there is one, else one encoded now. */
  async next(): Promise<GoldDraw> {
    const draw = this.ready.shift() ?? (await this.gold.next());
    this.refill();
    return draw;
  }

  /** Encodes one draw at a time until the pool is full. A failure stops it: the next draw, made on demand, reports it. */
  private refill(): void {
    if (this.filling) return;
    this.filling = true;
    void (async () => {
      try {
        while (this.ready.length < this.size) this.ready.push(await this.gold.next());
      } catch {
        // Left to the on-demand draw, which fails where it is handed out and is logged there.
      } finally {
        this.filling = false;
      }
    })();
  }
}
