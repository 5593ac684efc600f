import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StatsView } from '../../master/api-types.ts';
import { Poller } from '../src/state/poller.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const stats = (at: string) => ({ at }) as StatsView;

describe('Poller', () => {
  it('asks at once, then every interval, only while someone listens', async () => {
    const fetch = vi.fn(async () => stats('t'));
    const poller = new Poller(fetch, 5000);
    const stop = poller.subscribe(() => {});
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
