// How a CPU profile of the worker page's thread is split: the model's WebAssembly, idle, and everything else.
import type { Protocol } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { threadTime } from '../page-thread.ts';

const frame = (functionName: string, url = '') => ({ functionName, url, scriptId: '0', lineNumber: 0, columnNumber: 0 });

describe('threadTime', () => {
  it('counts each sample by where the thread was: in the model, idle or elsewhere', () => {
    const profile: Protocol.Profiler.Profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)') },
        { id: 2, callFrame: frame('conv2d', 'http://127.0.0.1:5000/assets/tfjs-backend-wasm-simd.wasm') },
        { id: 3, callFrame: frame('$func123', 'wasm://wasm/4886ec22') },
        { id: 4, callFrame: frame('(idle)') },
        { id: 5, callFrame: frame('decodeAhead', 'http://127.0.0.1:5000/assets/worker-page.js') },
        { id: 6, callFrame: frame('(program)') },
      ],
      startTime: 0,
      endTime: 10_000,
      samples: [2, 3, 4, 5, 6, 2],
      timeDeltas: [1000, 2000, 3000, 500, 250, 4000],
    };
    // Each sample holds the gap after it (the next delta); the last one runs to endTime, here before it.
    expect(threadTime(profile)).toEqual({ modelMs: 5, idleMs: 0.5, otherMs: 4.25 });
  });

  it('gives the time between two samples to the earlier one', () => {
    const profile: Protocol.Profiler.Profile = {
      nodes: [
        { id: 1, callFrame: frame('predict', 'wasm://wasm/4886ec22') },
        { id: 2, callFrame: frame('(idle)') },
      ],
      startTime: 0,
      endTime: 10_000,
      samples: [1, 2],
      timeDeltas: [0, 10_000],
    };
    expect(threadTime(profile)).toEqual({ modelMs: 10, idleMs: 0, otherMs: 0 });
  });

  it('gives the last sample the time up to the end of the profile', () => {
    const profile: Protocol.Profiler.Profile = {
      nodes: [{ id: 1, callFrame: frame('(idle)') }],
      startTime: 1000,
      endTime: 4000,
      samples: [1],
      timeDeltas: [500],
    };
    expect(threadTime(profile)).toEqual({ modelMs: 0, idleMs: 2.5, otherMs: 0 });
  });
});
