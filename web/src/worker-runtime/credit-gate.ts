import type { DonorLimits } from '../../../master/protocol.ts';
import { HourlyCount } from './hourly-count.ts';
import type { PauseReason } from './status.ts';

/** The credit the master may be told, and why it is held at 0 (empty when it is not). */
export interface Admitted {
  credit: number;
  pausedFor: PauseReason[];
}

/**
 * The volunteer's terms on how much work the master may send: nothing while paused for any reason,
 * and never more than the hourly cap still allows (jobs held count against it, so the cap holds even
 * for prefetched work). At the cap it calls `onBelowCap` once the oldest image of the hour drops out.
 */
export class CreditGate {
  private readonly pauses = new Set<PauseReason>();
  private readonly finishedLastHour = new HourlyCount();
  private capTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly onBelowCap: () => void) {}

  pause(reason: PauseReason): void {
    this.pauses.add(reason);
  }

  resume(reason: PauseReason): void {
    this.pauses.delete(reason);
  }

  /** One image finished, counted against the hourly cap. */
  finished(now = Date.now()): void {
    this.finishedLastHour.add(now);
  }

  /** Of the credit the page's speed warrants, what the master may be told now. */
  admit(credit: number, { imagesPerHour }: DonorLimits, now = Date.now()): Admitted {
    const left = imagesPerHour === null ? Infinity : Math.max(0, imagesPerHour - this.finishedLastHour.count(now));
    const pausedFor: PauseReason[] = [...this.pauses];
    if (left === 0) {
      pausedFor.push('hourly-limit');
      this.wakeWhenBelowCap(now);
    }
    return { credit: pausedFor.length > 0 ? 0 : Math.min(credit, left), pausedFor };
  }

  private wakeWhenBelowCap(now: number): void {
    const at = this.finishedLastHour.nextDrop(now);
    if (at === null || this.capTimer) return;
    this.capTimer = setTimeout(
      () => {
        this.capTimer = null;
        this.onBelowCap();
      },
      at - now + 10,
    );
  }
}
