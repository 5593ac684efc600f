// Re-rendering on a store's changes: every change by default, at most once per interval when asked, the last always shown.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SubscriptionController } from '../src/state/subscription-controller.ts';

function setUp(minIntervalMs?: number) {
  const listeners = new Set<() => void>();
  const host = { requestUpdate: vi.fn(), addController: vi.fn() };
  const controller = new SubscriptionController(
    host as never,
    (onChange) => {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    minIntervalMs,
  );
  const change = () => listeners.forEach((listener) => listener());
  return { host, controller, change, listeners };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('SubscriptionController', () => {
  it('re-renders on every change by default, and stops listening when its host leaves the page', () => {
    const { host, controller, change, listeners } = setUp();
    controller.hostConnected();
    change();
    change();
    expect(host.requestUpdate).toHaveBeenCalledTimes(2);
    controller.hostDisconnected();
    expect(listeners.size).toBe(0);
  });

  it('with an interval, re-renders at once, then at most once per interval, always showing the last change', () => {
    const { host, controller, change } = setUp(250);
    controller.hostConnected();
    change();
    expect(host.requestUpdate).toHaveBeenCalledTimes(1);
    change();
    change();
    vi.advanceTimersByTime(249);
    expect(host.requestUpdate).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(host.requestUpdate).toHaveBeenCalledTimes(2);
    // Quiet for longer than the interval: the next change shows at once.
    vi.advanceTimersByTime(1000);
    change();
    expect(host.requestUpdate).toHaveBeenCalledTimes(3);
  });

  it('drops a pending re-render when its host leaves the page', () => {
    const { host, controller, change } = setUp(250);
    controller.hostConnected();
    change();
    change();
    controller.hostDisconnected();
    vi.advanceTimersByTime(1000);
    expect(host.requestUpdate).toHaveBeenCalledTimes(1);
  });
});
