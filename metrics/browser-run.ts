// Labelled images classified by real headless browser workers on a real master, start to finish:
// what bench:browsers, bench:prepare and bench:agreement measure. Each image goes in as an upload
// would: prepared by the master's own preparer (master/images/prepared-image.ts), so workers receive
// what they receive for an upload; or, asked for, as the original alone, as a job stored before
// images were prepared is sent.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFleet, type Fleet } from '../headless-worker/fleet.ts';
import { createLogger } from '../headless-worker/logger.ts';
import type { JobDetailView } from '../master/api-types.ts';
import { makeConfig, type Config } from '../master/config.ts';
import { ImagePreparer } from '../master/images/prepared-image.ts';
import { loadModelFiles } from '../master/model/model-files.ts';
import type { KnownBackend } from '../master/protocol.ts';
import type { NewJob } from '../master/store/job-store.ts';
import { startMaster, type Master } from '../master/server.ts';
import type { LabelledImage } from './dataset.ts';
import { newJob } from './uploaded-files.ts';

export interface BrowserGridOptions {
  /** Headless Chromium workers. */
  workers: number;
  /** A backend every page uses instead of the fastest it has. */
  backend?: KnownBackend;
  /** TF.js flags every page starts with (FleetOptions.tfjsFlags). */
  tfjsFlags?: string;
  /** Extra browser flags (FleetOptions.extraArgs). */
  extraArgs?: readonly string[];
  modelDir?: string;
  /** How long the pages may take to load the model. Default 180 s. */
  readyTimeoutMs?: number;
}

export interface BrowserRunOptions extends BrowserGridOptions {
  images: LabelledImage[];
}

export interface GridRun {
  /** Every image's job once settled, in the order of the images. */
  jobs: JobDetailView[];
  /** What the master pushed to the workers meanwhile: images (jobs, and any retries) and their bytes. */
  sent: { images: number; bytes: number };
  /** The master's time to prepare each image, ms, in order (empty for originals). */
  prepareMs: number[];
  /** CPU this process used from the first submission until every job ended, ms: the master's, and the fleet's control of its browsers. */
  masterCpuMs: number;
}

export interface BrowserGrid {
  /** Submits the images as jobs (prepared, unless `originals`), waits until every one is settled, and answers what happened. */
  classify(images: LabelledImage[], options?: { originals?: boolean }): Promise<GridRun>;
}

/** Prepares images as a master with `config` would (what its workers receive), without starting one. */
export function preparerFor(config: Config): ImagePreparer {
  return new ImagePreparer(loadModelFiles(config.modelDir, config.modelInputRange).view.imageSize, config.maxImagePixels);
}

/** A master and a ready fleet of headless Chromium workers for `use`, stopped after it. */
export async function withBrowserGrid<T>(
  { workers, backend, tfjsFlags, extraArgs, modelDir, readyTimeoutMs = 180_000 }: BrowserGridOptions,
  use: (grid: BrowserGrid) => Promise<T>,
): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-run-'));
  // The pages are the operator's fleet: trusted, so each image is classified once, as measured.
  const fleetToken = randomBytes(24).toString('base64url');
  const config = makeConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', fleetToken, ...(modelDir ? { modelDir } : {}) });
  const master = await startMaster(config).catch((error: unknown) => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  let fleet: Fleet | undefined;
  try {
    fleet = startFleet({ masterUrl: master.url, workers, namePrefix: 'bench', fleetToken, logger: createLogger('warn'), backend, tfjsFlags, extraArgs });
    await fleet.waitUntilReady(readyTimeoutMs);
    return await use({
      async classify(images, { originals = false } = {}) {
        const jobs: NewJob[] = [];
        const prepareMs: number[] = [];
        for (const image of images) {
          const job = newJob(image.file, 'image/jpeg', fs.readFileSync(image.path));
          if (originals) {
            jobs.push(job);
            continue;
          }
          const started = performance.now();
          const prepared = await master.preparer.prepare(image.path);
          prepareMs.push(performance.now() - started);
          jobs.push({ ...job, prepared });
        }
        const before = { ...master.lifecycle.counters.sent };
        const cpuBefore = process.cpuUsage();
        const ids = await submitAndWait(master, jobs);
        const { user, system } = process.cpuUsage(cpuBefore);
        const settled = (await Promise.all(ids.map((id) => master.store.getDetail(id)))) as JobDetailView[];
        // Figures over the jobs that happened to finish would describe another run: the bench stops and says why.
        const unfinished = settled.filter((job) => job.status !== 'done');
        if (unfinished.length > 0) {
          const reasons = [...new Set(unfinished.map((job) => job.error ?? job.status))].slice(0, 3);
          throw new Error(`${unfinished.length} of ${settled.length} jobs did not finish: ${reasons.join('; ')}`);
        }
        const after = master.lifecycle.counters.sent;
        return {
          jobs: settled,
          sent: { images: after.images - before.images, bytes: after.bytes - before.bytes },
          prepareMs,
          masterCpuMs: (user + system) / 1000,
        };
      },
    });
  } finally {
    await fleet?.stop();
    await master.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every image's job once settled, in the order of `images`, each sent prepared as an upload would be. */
export async function classifyInBrowsers({ images, ...grid }: BrowserRunOptions): Promise<JobDetailView[]> {
  return withBrowserGrid(grid, async (running) => (await running.classify(images)).jobs);
}

/**
 * Submits the jobs, 50 to a create, and resolves with their ids once every one has ended (done or failed). Told by the
 * master's events, not by polling: reading every job's record each tenth of a second took the master's CPU from the
 * pages sharing its cores.
 */
export async function submitAndWait(master: Master, jobs: NewJob[]): Promise<string[]> {
  const ended = new Set<string>();
  let check = () => {};
  const unsubscribe = master.events.subscribe((event) => {
    if (event.type !== 'job' || (event.job.status !== 'done' && event.job.status !== 'failed')) return;
    ended.add(event.job.id);
    check();
  });
  try {
    const ids: string[] = [];
    for (let i = 0; i < jobs.length; i += 50) ids.push(...(await master.lifecycle.submit(jobs.slice(i, i + 50))).jobs.map((job) => job.id));
    await new Promise<void>((resolve) => {
      check = () => {
        if (ids.every((id) => ended.has(id))) resolve();
      };
      check();
    });
    return ids;
  } finally {
    unsubscribe();
  }
}
