import { describe, expect, it } from 'vitest';
import { formatStatusLine } from '../status-report.ts';

describe('status line', () => {
  it('shows name, state, backend, jobs, speed and restarts', () => {
    expect(
      formatStatusLine({ name: 'headless-1', browser: 'chromium', state: 'ready', backend: 'wasm', jobsDone: 12, jobsFailed: 1, msPerImage: 55.25, pid: 42, restarts: 2 }),
    ).toBe('headless-1  chromium  ready  backend=wasm  jobs=12 (1 failed)  ms/image=55.3  restarts=2');
  });

  it('shows dashes for what a launching worker does not know yet', () => {
    expect(formatStatusLine({ name: 'headless-2', browser: 'firefox', state: 'launching', jobsDone: 0, jobsFailed: 0, pid: undefined, restarts: 0 })).toBe(
      'headless-2  firefox  launching  backend=-  jobs=0  ms/image=-  restarts=0',
    );
  });
});
