import { describe, expect, it } from 'vitest';
import { formatStatusTable, statusRecord, ThroughputMeter } from '../status-report.ts';
import type { WorkerStatus } from '../supervised-worker.ts';

const chromium: WorkerStatus = {
  name: 'headless-1',
  browser: 'chromium',
  state: 'ready',
  backend: 'wasm',
  jobsDone: 12,
  jobsFailed: 1,
  msPerImage: 55.25,
  pid: 42,
  restarts: 2,
};
const firefox: WorkerStatus = { name: 'headless-2', browser: 'firefox', state: 'launching', jobsDone: 0, jobsFailed: 0, pid: undefined, restarts: 0 };

describe('fleet status', () => {
  it('measures images per second from jobs done between reports, also across a relaunch', () => {
    const meter = new ThroughputMeter();
    expect(meter.measure([chromium], 0)[0]!.imagesPerSecond).toBe(0);
    expect(meter.measure([{ ...chromium, jobsDone: 32 }], 2_000)[0]!.imagesPerSecond).toBe(10);
    // The page was relaunched and counts from 0: its 6 images are all new.
    expect(meter.measure([{ ...chromium, jobsDone: 6 }], 3_000)[0]!.imagesPerSecond).toBe(6);
    // Relaunched again, and its new page already past the old one's count: all 40 are new too.
    expect(meter.measure([{ ...chromium, jobsDone: 40, restarts: 3 }], 4_000)[0]!.imagesPerSecond).toBe(40);
  });

  it('lays out a table with browser, backend, images/s and restarts, dashes for what is not known yet', () => {
    const lines = formatStatusTable([
      { ...chromium, imagesPerSecond: 17.54 },
      { ...firefox, imagesPerSecond: 0 },
    ]);
    expect(lines).toEqual([
      'worker      browser   state      backend  images/s  done  failed  ms/image  restarts',
      'headless-1  chromium  ready      wasm         17.5    12       1      55.3         2',
      'headless-2  firefox   launching  -             0.0     0       0         -         0',
      '2 worker(s), 17.5 images/s in all',
    ]);
  });

  it('gives a JSON line the fields a script needs', () => {
    expect(statusRecord({ ...chromium, imagesPerSecond: 3.14159 })).toEqual({
      worker: 'headless-1',
      browser: 'chromium',
      state: 'ready',
      backend: 'wasm',
      imagesPerSecond: 3.14,
      jobsDone: 12,
      jobsFailed: 1,
      msPerImage: 55.25,
      restarts: 2,
      lastError: undefined,
    });
  });
});
