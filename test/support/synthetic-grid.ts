// A real master and synthetic workers (the real protocol from Node, no inference) for protocol
// tests: the test starts the master it needs; workers and master are closed after each test.
import fs from 'node:fs';
import { afterEach } from 'vitest';
import type { Config } from '../../master/config.ts';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { newOwner, submit } from './jobs-client.ts';
import { devImages } from './paths.ts';
import { startTestMaster, type TestMaster } from './test-master.ts';

/** The image every job of a synthetic grid carries. */
export const gridImage = fs.readFileSync(devImages(1)[0]!.path);

export interface SyntheticGrid {
  /** The master started last. */
  readonly master: TestMaster;
  /** Starts a master, closing the one before if any (a restart on the same dataDir keeps the jobs). */
  start(overrides?: Partial<Record<keyof Config, unknown>>): Promise<TestMaster>;
  connect(options?: Omit<SyntheticWorkerOptions, 'masterUrl'>): Promise<SyntheticWorker>;
  /** Cuts off every worker connected so far, as a crash would. */
  terminateWorkers(): void;
  /** The credentials the grid submits with, which may delete and retry its jobs (the master started last). */
  readonly owner: Record<string, string>;
  /** Submits `count` copies of gridImage and returns their job ids. */
  submit(count: number): Promise<string[]>;
}

/** Call at the top of a test file. */
export function useSyntheticGrid(): SyntheticGrid {
  let master: TestMaster | undefined;
  let owner: Record<string, string> = {};
  const workers: SyntheticWorker[] = [];
  const terminateWorkers = () => {
    for (const worker of workers.splice(0)) worker.terminate();
  };
  const running = () => {
    if (!master) throw new Error('start the master first');
    return master;
  };

  afterEach(async () => {
    terminateWorkers();
    await master?.close();
    master = undefined;
  });

  return {
    get master() {
      return running();
    },
    get owner() {
      return owner;
    },
    async start(overrides = {}) {
      await master?.close();
      master = await startTestMaster(overrides);
      owner = await newOwner(master.url);
      return master;
    },
    async connect(options = {}) {
      const worker = await SyntheticWorker.connect({ masterUrl: running().url, ...options });
      workers.push(worker);
      return worker;
    },
    terminateWorkers,
    submit(count) {
      return submit(
        running().url,
        Array.from({ length: count }, (_, i) => ({ name: `image-${i}.jpg`, bytes: gridImage })),
        owner,
      );
    },
  };
}
