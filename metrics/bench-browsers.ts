// npm run bench:browsers — what real browser workers achieve on this machine:
// a master, N headless Chromium workers on the worker page, every image of a
// labelled folder submitted at once; prints jobs/s (first submission → last
// result, master clock), inference ms per image and top-1/top-5 accuracy.
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { distribution } from '../common/percentiles.ts';
import { PAGE_STAGES, type PageStage } from '../master/protocol.ts';
import { classifyInBrowsers } from './browser-run.ts';
import { loadDataset } from './dataset.ts';

const opts = new Command('bench:browsers')
  .option('--images <dir>', 'labelled image folder (labels.csv)', '../shared/datasets/imagenet-dev')
  .option('--workers <n>', 'headless Chromium workers', '2')
  .option('--model-dir <dir>', 'model folder (default: the master’s default)')
  .parse()
  .opts<{ images: string; workers: string; modelDir?: string }>();

const images = loadDataset(path.resolve(opts.images));
const jobs = await classifyInBrowsers({ images, workers: Number(opts.workers), ...(opts.modelDir ? { modelDir: opts.modelDir } : {}) });
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
const staged = done.flatMap((job) => (job.result!.stages ? [job.result!.stages] : []));
const meanOf = (stage: PageStage) => staged.reduce((sum, stages) => sum + stages[stage], 0) / staged.length;
console.log(`in the page, mean ms per image by stage: ${PAGE_STAGES.map((stage) => `${stage} ${meanOf(stage).toFixed(1)}`).join(', ')}`);
console.log(`top-1 ${((100 * top1) / images.length).toFixed(1)}%, top-5 ${((100 * top5) / images.length).toFixed(1)}%`);
