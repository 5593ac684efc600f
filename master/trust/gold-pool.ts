// Spot checks encoded ahead. A re-encoding takes the master tens of milliseconds of CPU (gold-reencoding.ts), and
// seconds when it waits behind a burst of uploads being prepared on the same threads; dealing work must never wait
// for one, since the dispatcher deals to every worker in turn and one wait holds them all up. The pool starts full
// and keeps up to GOLD_POOL_SIZE fresh draws ready, refilling in the background after each is taken; each is handed
// out once. When it is empty there is nothing to wait for: the caller deals a job instead (spot-checks.ts).
import type { GoldDraw, GoldSet } from './gold-set.ts';

export class GoldPool {
  private readonly ready: GoldDraw[] = [];
  private filling = false;
  /** The last refill failed: its error was reported, the next is not until one succeeds. */
  private failing = false;

  constructor(
    private readonly gold: Pick<GoldSet, 'next'>,
    /** Most draws kept ready (GOLD_POOL_SIZE, at least 1); a few KB each. */
    private readonly size: number,
    /** A draw could not be encoded (the gold folder changed under the master, say): told once per run of failures. */
    private readonly onError: (error: unknown) => void,
  ) {
    this.refill();
  }

  /** How many draws are ready now. */
  get readyCount(): number {
    return this.ready.length;
  }

  /** A fresh draw, never handed out before, if one is ready; never waits for one to be encoded. */
  take(): GoldDraw | null {
    const draw = this.ready.shift() ?? null;
    this.refill();
    return draw;
  }

  /** Encodes one draw at a time until the pool is full. A failure stops it; the next take starts it again. */
  private refill(): void {
    if (this.filling) return;
    this.filling = true;
    void (async () => {
      try {
        while (this.ready.length < this.size) {
          this.ready.push(await this.gold.next());
          this.failing = false;
        }
      } catch (error) {
        if (!this.failing) this.onError(error);
        this.failing = true;
      } finally {
        this.filling = false;
      }
    })();
  }
}
