// Labelled images classified by real headless browser workers on a real master, start to finish:
// what bench:browsers and bench:agreement measure.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFleet } from '../headless-worker/fleet.ts';
import { createLogger } from '../headless-worker/logger.ts';
import type { JobDetailView } from '../master/api-types.ts';
import { makeConfig } from '../master/config.ts';
import type { KnownBackend } from '../master/protocol.ts';
import { startMaster, type Master } from '../master/server.ts';
import type { LabelledImage } from './dataset.ts';
import { newJob } from './uploaded-files.ts';

export interface BrowserRunOptions {
  images: LabelledImage[];
  /** Headless Chromium workers. */
  workers: number;
  /** A backend every page uses instead of the fastest it has. */
  backend?: KnownBackend;
  modelDir?: string;
  /** How long the pages may take to load the model. Default 180 s. */
  readyTimeoutMs?: number;
}

/** Every image's job once settled, in the order of `images`. */
export async function classifyInBrowsers({ images, workers, backend, modelDir, readyTimeoutMs = 180_000 }: BrowserRunOptions): Promise<JobDetailView[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-run-'));
  // The pages are the operator's fleet: trusted, so each image is classified once, as measured.
  const fleetToken = randomBytes(24).toString('base64url');
  const master = await startMaster(makeConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', fleetToken, ...(modelDir ? { modelDir } : {}) }));
  const fleet = startFleet({ masterUrl: master.url, workers, namePrefix: 'bench', fleetToken, logger: createLogger('warn'), ...(backend ? { backend } : {}) });
  try {
    await fleet.waitUntilReady(readyTimeoutMs);
    const ids: string[] = [];
    for (let i = 0; i < images.length; i += 50) {
      const batch = images.slice(i, i + 50).map((image) => newJob(image.file, 'image/jpeg', fs.readFileSync(image.path)));
      ids.push(...(await master.lifecycle.submit(batch)).jobs.map((job) => job.id));
    }
    return await allSettled(master, ids);
  } finally {
    await fleet.stop();
    await master.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function allSettled(master: Master, ids: string[]): Promise<JobDetailView[]> {
  for (;;) {
    const jobs = (await Promise.all(ids.map((id) => master.store.getDetail(id)))) as JobDetailView[];
    if (jobs.every((job) => job.status === 'done' || job.status === 'failed')) return jobs;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
