import type { StreamEvent } from '../../master/api-types.ts';

/** Just enough of a browser EventSource to drive the job feed: the test opens it and sends it events. */
export class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private readonly listeners = new Map<string, ((event: { data: string }) => void)[]>();

  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(name: string, listener: (event: { data: string }) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  /** The master answers with an HTTP error (a refusal): the browser gives the stream up for good. */
  fail() {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.();
  }
  /** Sends one live event, named by its type as the master names them. */
  emit(event: StreamEvent) {
    for (const listener of this.listeners.get(event.type) ?? []) listener({ data: JSON.stringify(event) });
  }
}
