import type { ReactiveController, ReactiveControllerHost } from 'lit';

export type Subscribe = (onChange: () => void) => () => void;

/** Re-renders its host whenever a store it subscribes to changes, for as long as the host is in the page. */
export class SubscriptionController implements ReactiveController {
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly subscribe: Subscribe,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.unsubscribe = this.subscribe(() => this.host.requestUpdate());
  }

  hostDisconnected(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
