// npm run bench:browsers — what real browser workers achieve on this machine:
// a master, N headless Chromium workers on the worker page, every image of a
// labelled folder submitted at once; prints jobs/s (first submission → last
// result, master clock), inference ms per image and top-1/top-5 accuracy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { startFleet } from '../headless-worker/fleet.ts';
import { createLogger } from '../headless-worker/logger.ts';
import type { JobDetailView } from '../master/api-types.ts';
import { makeConfig } from '../master/config.ts';
import { startMaster } from '../master/server.ts';
import { loadDataset } from './dataset.ts';
import { distribution } from '../common/percentiles.ts';

const opts = new Command('bench:browsers')
  .option('--images <dir>', 'labelled image folder (labels.csv)', '../shared/datasets/imagenet-dev')
  .option('--workers <n>', 'headless Chromium workers', '2')
  .option('--model-dir <dir>', 'model folder (default: the master’s default)')
  .parse()
  .opts<{ images: string; workers: string; modelDir?: string }>();

const images = loadDataset(path.resolve(opts.images));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-browsers-'));
const master = await startMaster(makeConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', ...(opts.modelDir ? { modelDir: opts.modelDir } : {}) }));
const fleet = startFleet({ masterUrl: master.url, workers: Number(opts.workers), namePrefix: 'bench', logger: createLogger('warn') });
try {
  await fleet.waitUntilReady(180_000);
  const ids: string[] = [];
  for (let i = 0; i < images.length; i += 50) {
    const created = await master.lifecycle.submit(
      images.slice(i, i + 50).map((image) => ({ fileName: image.file, contentType: 'image/jpeg', image: fs.readFileSync(image.path) })),
    );
    ids.push(...created.jobs.map((job) => job.id));
  }
  const jobs = await allSettled(ids);
  const done = jobs.filter((job) => job.status === 'done');
  const first = Math.min(...jobs.map((job) => Date.parse(job.submittedAt)));
  const last = Math.max(...done.map((job) => Date.parse(job.finishedAt!)));
  const top1 = jobs.filter((job, i) => job.result?.predictions[0]?.index === images[i]!.index).length;
  const top5 = jobs.filter((job, i) => job.result?.predictions.some((p) => p.index === images[i]!.index)).length;
  const inference = distribution(done.map((job) => job.result!.inferenceMs));
  const backends = [...new Set(done.map((job) => job.result!.backend))].join(', ');
  console.log(`${images.length} images, ${opts.workers} headless Chromium workers (${backends}), ${os.cpus().length} cores`);
  console.log(`done ${done.length}, failed ${jobs.length - done.length}`);
  console.log(`throughput: ${(done.length / ((last - first) / 1000)).toFixed(1)} jobs/s (first submission → last result)`);
  console.log(
    `inference per image (decode + preprocess + model + readback, in the page): mean ${inference.mean.toFixed(1)} ms, ` +
      `p50 ${inference.p50.toFixed(1)}, p99 ${inference.p99.toFixed(1)}`,
  );
  console.log(`top-1 ${((100 * top1) / images.length).toFixed(1)}%, top-5 ${((100 * top5) / images.length).toFixed(1)}%`);
} finally {
  await fleet.stop();
  await master.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

async function allSettled(ids: string[]): Promise<JobDetailView[]> {
  for (;;) {
    const jobs = (await Promise.all(ids.map((id) => master.store.getDetail(id)))) as JobDetailView[];
    if (jobs.every((job) => job.status === 'done' || job.status === 'failed')) return jobs;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
