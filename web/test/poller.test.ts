import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StatsView } from '../../master/stats-api-types.ts';
import { ApiError } from '../src/api.ts';
import { Poller } from '../src/state/poller.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const stats = (at: string) => ({ at }) as StatsView;

/** A page whose visibility the test sets, as a browser does when its tab goes to the background and back. */
class FakePage extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';

  show(state: DocumentVisibilityState): void {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

/** A poller asking every 5 s (in a page, when given one), held by a listener; fetch counts its requests. */
function heldPoller(page?: FakePage) {
  const fetch = vi.fn(async () => stats('t'));
  const poller = new Poller(fetch, 5000, page);
  const stop = poller.subscribe(() => {});
  return { fetch, stop };
}

describe('Poller', () => {
  it('asks at once, then every interval, only while someone listens', async () => {
    const { fetch, stop } = heldPoller();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetch).toHaveBeenCalledTimes(2);
    stop();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('keeps the last good figures when a request fails, and says why', async () => {
    let fail = false;
    const poller = new Poller(async () => {
      if (fail) throw new Error('the master is unreachable');
      return stats('first');
    }, 5000);
    poller.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(0);
    fail = true;
    await vi.advanceTimersByTimeAsync(5000);
    expect(poller.value?.at).toBe('first');
    expect(poller.error).toBe('the master is unreachable');
    fail = false;
    await vi.advanceTimersByTimeAsync(5000);
    expect(poller.error).toBeNull();
  });

  it('asks again when refreshed during a request, and shows only the answer for the new input', async () => {
    let page = 1;
    const answer: (() => void)[] = [];
    const fetch = vi.fn((): Promise<StatsView> => {
      const asked = page;
      return new Promise((resolve) => answer.push(() => resolve(stats(`page ${asked}`))));
    });
    const poller = new Poller(fetch, 5000);
    const shown: (string | undefined)[] = [];
    poller.subscribe(() => shown.push(poller.value?.at));
    page = 2;
    void poller.refresh();
    // Never two requests at once.
    expect(fetch).toHaveBeenCalledTimes(1);
    answer[0]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(2);
    answer[1]!();
    await vi.advanceTimersByTimeAsync(0);
    expect(shown).toEqual(['page 2']);
    expect(poller.value?.at).toBe('page 2');
  });
});

describe('Poller in a hidden tab', () => {
  it('asks nothing while the tab is hidden, and asks at once when it is shown again after a poll fell due', async () => {
    const page = new FakePage();
    const { fetch } = heldPoller(page);
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(1);
    page.show('hidden');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    page.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(2);
    // And the 5 s rhythm again from there.
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('keeps its rhythm when the tab is shown again before a poll fell due', async () => {
    const page = new FakePage();
    const { fetch } = heldPoller(page);
    await vi.advanceTimersByTimeAsync(0);
    page.show('hidden');
    await vi.advanceTimersByTimeAsync(2000);
    page.show('visible');
    await vi.advanceTimersByTimeAsync(2999);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('makes no first request in a tab opened in the background until it is shown, nor after nobody holds it', async () => {
    const page = new FakePage();
    page.visibilityState = 'hidden';
    const { fetch, stop } = heldPoller(page);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fetch).not.toHaveBeenCalled();
    page.show('visible');
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(1);
    stop();
    page.show('hidden');
    page.show('visible');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('Poller told to wait', () => {
  it('waits as long as the Retry-After of a refusal before asking again, then keeps its own rhythm', async () => {
    let refuse = true;
    const fetch = vi.fn(async () => {
      if (refuse) throw new ApiError('too many requests from your address; try again in 30 s', 429, 'too-many-requests', 30_000);
      return stats('t');
    });
    const poller = new Poller(fetch, 5000);
    poller.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(0);
    expect(fetch).toHaveBeenCalledTimes(1);
    refuse = false;
    await vi.advanceTimersByTimeAsync(29_999);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('never asks sooner than its interval, whatever shorter wait the master names', async () => {
    const fetch = vi.fn(async () => {
      throw new ApiError('the store is away', 503, 'storage-unavailable', 1000);
    });
    const poller = new Poller(fetch, 5000);
    poller.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(4999);
    expect(fetch).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});
