// A real master and synthetic workers (the real protocol from Node, no inference) for protocol
// tests: the test starts the master it needs; workers and master are closed after each test.
import fs from 'node:fs';
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import type { JobDetailView } from '../../master/api-types.ts';
import type { Config } from '../../master/config.ts';
import { WORKER_SOCKET_PATH } from '../../master/protocol.ts';
import { SyntheticWorker, type SyntheticWorkerOptions } from '../../metrics/synthetic-worker.ts';
import { getJob, newOwner, submit } from './jobs-client.ts';
import { devImages } from './paths.ts';
import { startTestMaster, TEST_FLEET_TOKEN, type TestMaster } from './test-master.ts';

/** The image every job of a synthetic grid carries. */
export const gridImage = fs.readFileSync(devImages(1)[0]!.path);

export interface SyntheticGrid {
  /** The master started last. */
  readonly master: TestMaster;
  /** Starts a master, closing the one before if any (a restart on the same dataDir keeps the jobs). */
  start(overrides?: Partial<Record<keyof Config, unknown>>): Promise<TestMaster>;
  connect(options?: Omit<SyntheticWorkerOptions, 'masterUrl'>): Promise<SyntheticWorker>;
  /** A worker of the fleet's (the fleet token in its hello): trusted, so no volunteer vote stands between its answer and the job. */
  connectTrusted(options?: Omit<SyntheticWorkerOptions, 'masterUrl'>): Promise<SyntheticWorker>;
  /** An open worker socket with no SyntheticWorker behind it, to send what a real worker never would. */
  openWorkerSocket(): Promise<WebSocket>;
  /** Cuts off every worker connected so far, as a crash would. */
  terminateWorkers(): void;
  /** The credentials the grid submits with, which may delete and retry its jobs (the master started last). */
  readonly owner: Record<string, string>;
  /** Submits `count` copies of gridImage and returns their job ids. */
  submit(count: number): Promise<string[]>;
  /** A job as GET /api/jobs/:id shows it. */
  job(id: string): Promise<JobDetailView>;
  allDone(ids: string[]): Promise<boolean>;
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
  const connect = async (options: Omit<SyntheticWorkerOptions, 'masterUrl'> = {}) => {
    const worker = await SyntheticWorker.connect({ masterUrl: running().url, ...options });
    workers.push(worker);
    return worker;
  };
  const job = (id: string) => getJob(running().url, id);

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
    connect,
    connectTrusted: (options = {}) => connect({ ...options, hello: { fleetToken: TEST_FLEET_TOKEN, ...options.hello } }),
    async openWorkerSocket() {
      const raw = new WebSocket(`${running().url.replace('http', 'ws')}${WORKER_SOCKET_PATH}`);
      await new Promise((r) => raw.once('open', r));
      return raw;
    },
    terminateWorkers,
    submit(count) {
      return submit(
        running().url,
        Array.from({ length: count }, (_, i) => ({ name: `image-${i}.jpg`, bytes: gridImage })),
        owner,
      );
    },
    job,
    allDone: async (ids) => (await Promise.all(ids.map(job))).every((j) => j.status === 'done'),
  };
}
