import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type Subscribe = (onChange: () => void) => () => void;

/**
 * Re-renders its host whenever a store it subscribes to changes, for as long as the host is in the page; with
 * `minIntervalMs`, at most once per interval, the last change always shown (for a store that changes faster than
 * anyone reads).
 */
export class SubscriptionController implements ReactiveController {
  private unsubscribe: (() => void) | null = null;
  private lastUpdate = -Infinity;
  private pending: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly subscribe: Subscribe,
    private readonly minIntervalMs = 0,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.unsubscribe = this.subscribe(() => this.changed());
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
  }

  private changed(): void {
    if (this.pending) return;
    const wait = this.lastUpdate + this.minIntervalMs - performance.now();
    if (wait <= 0) return this.update();
    this.pending = setTimeout(() => {
      this.pending = null;
      this.update();
    }, wait);
  }

  private update(): void {
    this.lastUpdate = performance.now();
    this.host.requestUpdate();
  }
}
