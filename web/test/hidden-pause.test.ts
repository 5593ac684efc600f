import { describe, expect, it, vi } from 'vitest';
import { HiddenTabPause } from '../src/state/hidden-pause.ts';

function fakePage(visibilityState: DocumentVisibilityState) {
  const listeners: Array<() => void> = [];
  return {
    visibilityState,
    addEventListener: (_type: string, listener: () => void) => listeners.push(listener),
    change(state: DocumentVisibilityState) {
      this.visibilityState = state;
      for (const listener of listeners) listener();
    },
  };
}

function memoryStorage() {
  const values = new Map<string, string>();
  return { getItem: (key: string) => values.get(key) ?? null, setItem: (key: string, value: string) => void values.set(key, value) };
}

describe('HiddenTabPause', () => {
  it('pauses while the tab is hidden once enabled, and resumes when it shows', () => {
    const target = { pause: vi.fn(), resume: vi.fn() };
    const page = fakePage('visible');
    const option = new HiddenTabPause(target, page as unknown as Document, memoryStorage);
    page.change('hidden');
    expect(target.pause).not.toHaveBeenCalled();

    option.setEnabled(true);
    expect(target.pause).toHaveBeenCalledTimes(1);
    expect(target.pause).toHaveBeenCalledWith('hidden');
    page.change('visible');
    expect(target.resume).toHaveBeenCalled();
  });

  it('remembers the choice', () => {
    const storage = memoryStorage();
    new HiddenTabPause({ pause() {}, resume() {} }, fakePage('visible') as unknown as Document, () => storage).setEnabled(true);
    const target = { pause: vi.fn(), resume: vi.fn() };
    const again = new HiddenTabPause(target, fakePage('hidden') as unknown as Document, () => storage);
    expect(again.enabled).toBe(true);
    expect(target.pause).toHaveBeenCalled();
  });
});
