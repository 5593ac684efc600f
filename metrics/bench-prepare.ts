// npm run bench:prepare — what preparing images on the master (master/images/prepared-image.ts) buys and
// costs, measured in one run on the same labelled images: the master's time to prepare each one, then one
// master and real headless Chromium worker pages classifying every image twice, first sent as the original
// (as before: the page decodes and resizes it itself; jobs stored before images were prepared still go out
// so) and then as prepared for an upload; bytes pushed per job, top-1/top-5 and the pages' time by stage for
// each. With --compare it first classifies the candidate encodings in one standalone page (how the encoding
// was chosen): the page's own resize of the original, sharp's kernels encoded losslessly, JPEG and WebP.
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { Command } from 'commander';
import sharp, { type KernelEnum, type Sharp } from 'sharp';
import { distribution } from '../common/percentiles.ts';
import { makeConfig } from '../master/config.ts';
import { ImagePreparer, PREPARED_WEBP } from '../master/images/prepared-image.ts';
import { loadModelFiles } from '../master/model/model-files.ts';
import { withBrowserGrid, type GridRun } from './browser-run.ts';
import { loadDatasetOrExit, type LabelledImage } from './dataset.ts';
import { positiveInteger } from './option-parsers.ts';
import { pageStageMeans } from './page-stage-means.ts';
import { classifyStandalone } from './standalone-run.ts';

const opts = new Command('bench:prepare')
  .option('--images <dir>', 'labelled image folder (labels.csv)', '../shared/datasets/imagenet-dev')
  .option('--workers <n>', 'headless Chromium workers', positiveInteger, 1)
  .option('--model-dir <dir>', 'model folder (default: the master’s default)')
  .option('--compare', 'first classify the candidate encodings in a standalone page (about 3 more minutes)')
  .parse()
  .opts<{ images: string; workers: number; modelDir?: string; compare?: boolean }>();

const images = loadDatasetOrExit('bench:prepare', path.resolve(opts.images));
const modelDir = opts.modelDir ?? makeConfig({}).modelDir;
const size = loadModelFiles(modelDir, [-1, 1]).view.imageSize;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
const percent = (part: number) => `${((100 * part) / images.length).toFixed(1)}%`;
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
console.log(
  `${images.length} images (${kib(mean(images.map((image) => fs.statSync(image.path).size)))} each on average), ${os.cpus().length} cores; model input ${size} × ${size}`,
);

if (opts.compare) await compareEncodings(images);

// The master's own preparer, one image at a time, as an upload's request prepares its files; the first is a warm-up.
const preparer = new ImagePreparer(size, makeConfig({}).maxImagePixels);
await preparer.prepare(images[0]!.path);
const prepareMs: number[] = [];
for (const image of images) {
  const started = performance.now();
  await preparer.prepare(image.path);
  prepareMs.push(performance.now() - started);
}
const prepared = distribution(prepareMs);
console.log(
  `\nmaster: prepare (decode, orient, resize, encode) per image, one at a time: p50 ${prepared.p50.toFixed(1)} ms, p99 ${prepared.p99.toFixed(1)} ms, ` +
    `mean ${prepared.mean.toFixed(1)} ms, max ${prepared.max.toFixed(1)} ms`,
);

const workers = opts.workers;
const [before, after] = await withBrowserGrid({ workers, ...(opts.modelDir ? { modelDir: opts.modelDir } : {}) }, async (grid) => [
  await grid.classify(images, { originals: true }),
  await grid.classify(images),
]);

const row = (name: string, run: GridRun) => {
  const done = run.jobs.filter((job) => job.status === 'done');
  const top1 = run.jobs.filter((job, i) => job.result?.predictions[0]?.index === images[i]!.index).length;
  const top5 = run.jobs.filter((job, i) => job.result?.predictions.some((p) => p.index === images[i]!.index)).length;
  const { means, measuredJobs } = pageStageMeans(done, ['decode', 'preprocess', 'predict']);
  const stage = (key: keyof typeof means) => means[key].toFixed(1);
  const first = Math.min(...run.jobs.map((job) => Date.parse(job.submittedAt)));
  const last = Math.max(...done.map((job) => Date.parse(job.finishedAt!)));
  console.log(
    `  ${name.padEnd(24)} done ${done.length}/${run.jobs.length}, ${kib(run.sent.bytes / done.length)} per job (${run.sent.images} pushed), ` +
      `top-1 ${percent(top1)}, top-5 ${percent(top5)}; in the page: decode ${stage('decode')}, preprocess ${stage('preprocess')}, ` +
      `predict ${stage('predict')} ms (over the ${measuredJobs} jobs whose stages the master kept); ${(done.length / ((last - first) / 1000)).toFixed(1)} jobs/s`,
  );
  return { top1, bytes: run.sent.bytes / done.length, answers: run.jobs.map((job) => job.result?.predictions[0]?.index ?? -1) };
};
const backends = [...new Set([...before.jobs, ...after.jobs].flatMap((job) => (job.result ? [job.result.backend] : [])))].join(', ');
console.log(`\ngrid: a master, ${workers} headless Chromium worker(s) (${backends}), the same images twice:`);
const was = row('originals (before)', before);
const now = row('prepared (after)', after);
const ratio = now.bytes / was.bytes;
const points = (100 * (now.top1 - was.top1)) / images.length;
const changed = now.answers.filter((answer, i) => answer !== was.answers[i]).length;
console.log(
  `  after ÷ before: bytes per job ${ratio.toFixed(3)} (goal ≤ 0.2: ${ratio <= 0.2 ? 'met' : 'NOT met'}); ` +
    `top-1 ${points >= 0 ? '+' : ''}${points.toFixed(1)} points (goal within 0.5: ${points >= -0.5 ? 'met' : 'NOT met'}); ` +
    `${changed} of ${images.length} images changed their top-1`,
);

/** Each candidate encoding of every image, classified by the worker page's own code in one standalone page each. */
async function compareEncodings(labelled: LabelledImage[]): Promise<void> {
  const originals = labelled.map((image) => fs.readFileSync(image.path));
  const resized = async (kernel: keyof KernelEnum, encode: (image: Sharp) => Sharp) =>
    Promise.all(
      originals.map(async (original) => {
        const pixels = await sharp(original, { autoOrient: true })
          .resize(size, size, { fit: 'fill', kernel, fastShrinkOnLoad: false })
          .removeAlpha()
          .toColourspace('srgb')
          .raw()
          .toBuffer();
        return encode(sharp(pixels, { raw: { width: size, height: size, channels: 3 } })).toBuffer();
      }),
    );
  const candidates: { name: string; type: string; make: () => Promise<Buffer[]> }[] = [
    { name: 'original (the page resizes)', type: 'image/jpeg', make: async () => originals },
    ...(['linear', 'cubic', 'mitchell', 'lanczos3'] as const).map((kernel) => ({
      name: `${kernel}, PNG (lossless)`,
      type: 'image/png',
      make: () => resized(kernel, (image) => image.png()),
    })),
    { name: 'cubic, lossless WebP', type: 'image/webp', make: () => resized('cubic', (image) => image.webp({ lossless: true })) },
    { name: 'cubic, JPEG q90', type: 'image/jpeg', make: () => resized('cubic', (image) => image.jpeg({ quality: 90 })) },
    { name: 'cubic, JPEG q75 mozjpeg', type: 'image/jpeg', make: () => resized('cubic', (image) => image.jpeg({ quality: 75, mozjpeg: true })) },
    { name: 'cubic, WebP q75 effort 4', type: 'image/webp', make: () => resized('cubic', (image) => image.webp({ quality: 75 })) },
    {
      name: `the preparer (cubic, WebP q${PREPARED_WEBP.quality} effort ${PREPARED_WEBP.effort})`,
      type: 'image/webp',
      make: async () => {
        const preparer = new ImagePreparer(size, Number.MAX_SAFE_INTEGER);
        return Promise.all(labelled.map(async (image) => (await preparer.prepare(image.path)).bytes));
      },
    },
  ];
  const results: { name: string; bytes: number; answers: number[] }[] = [];
  for (const candidate of candidates) {
    const encoded = await candidate.make();
    const run = await classifyStandalone(
      encoded.map((bytes) => ({ bytes, type: candidate.type })),
      { ...(opts.modelDir ? { modelDir: opts.modelDir } : {}) },
    );
    results.push({ name: candidate.name, bytes: mean(encoded.map((bytes) => bytes.length)), answers: run.images.map((image) => image.top1) });
  }
  const reference = results.find((result) => result.name.startsWith('cubic, PNG'))!.answers;
  console.log('\ncandidate encodings, each classified in a standalone page; "changed": top-1 answers unlike cubic PNG’s (lossless):');
  for (const { name, bytes, answers } of results) {
    const top1 = answers.filter((answer, i) => answer === labelled[i]!.index).length;
    const changed = answers.filter((answer, i) => answer !== reference[i]).length;
    console.log(`  ${name.padEnd(44)} ${kib(bytes).padStart(10)}  top-1 ${percent(top1)}  ${changed} changed`);
  }
}
