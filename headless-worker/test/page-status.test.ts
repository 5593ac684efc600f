import { describe, expect, it } from 'vitest';
import { parsePageStatus } from '../page-status.ts';

describe('reading the worker page status', () => {
  it('keeps the known fields', () => {
    expect(
      parsePageStatus({
        state: 'ready',
        backend: 'wasm',
        backendReason: 'no GPU',
        jobsDone: 12,
        jobsFailed: 1,
        msPerImage: 55.5,
        lastError: null,
        modelHash: 'abc',
      }),
    ).toEqual({
      state: 'ready',
      backend: 'wasm',
      backendReason: 'no GPU',
      jobsDone: 12,
      jobsFailed: 1,
      msPerImage: 55.5,
      lastError: undefined,
      modelHash: 'abc',
      refused: undefined,
    });
  });

  it('tells a page the master refused for good', () => {
    expect(parsePageStatus({ state: 'stopped', lastError: 'master: fleet token refused', refused: 'fleet token refused' })).toMatchObject({
      state: 'stopped',
      refused: 'fleet token refused',
    });
    expect(parsePageStatus({ state: 'stopped', refused: null })?.refused).toBeUndefined();
  });

  it('accepts a bare state from data-worker-state', () => {
    expect(parsePageStatus({ state: 'warming' })).toMatchObject({ state: 'warming', jobsDone: 0, jobsFailed: 0 });
  });

  it.each([null, undefined, 'ready', {}, { state: 'dancing' }])('reports nothing for %j', (raw) => {
    expect(parsePageStatus(raw)).toBeUndefined();
  });

  it('ignores nonsense counters', () => {
    expect(parsePageStatus({ state: 'ready', jobsDone: -3, jobsFailed: 'x', msPerImage: Number.NaN })).toMatchObject({
      jobsDone: 0,
      jobsFailed: 0,
      msPerImage: undefined,
    });
  });
});
