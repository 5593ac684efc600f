// npm run bench:agreement — how often honest backends disagree on top-1: every image of a labelled
// folder classified by real headless Chromium workers once per backend (WASM and the CPU backend by
// default; add webgl/webgpu on a machine with a GPU), then every pair compared image by image.
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { KNOWN_BACKENDS, type KnownBackend } from '../master/protocol.ts';
import { answersOf, comparePair, type Answer } from './backend-agreement.ts';
import { classifyInBrowsers } from './browser-run.ts';
import { loadDataset } from './dataset.ts';

const opts = new Command('bench:agreement')
  .option('--images <dir>', 'labelled image folder (labels.csv)', '../shared/datasets/imagenet-dev')
  .addOption(
    new Option('--backends <list>', `comma-separated, at least two of ${KNOWN_BACKENDS.join(', ')}`)
      .default('wasm,cpu')
      .argParser((value) => parseBackends(value)),
  )
  .option('--workers <n>', 'headless Chromium workers per backend', '1')
  .option('--model-dir <dir>', 'model folder (default: the master’s default)')
  .parse()
  .opts<{ images: string; backends: KnownBackend[] | string; workers: string; modelDir?: string }>();

function parseBackends(value: string): KnownBackend[] {
  const names = [...new Set(value.split(',').map((name) => name.trim()))];
  const unknown = names.filter((name) => !(KNOWN_BACKENDS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length < 2) throw new Error(`--backends needs at least two of ${KNOWN_BACKENDS.join(', ')}; got "${value}"`);
  return names as KnownBackend[];
}

const backends = typeof opts.backends === 'string' ? parseBackends(opts.backends) : opts.backends;
const images = loadDataset(path.resolve(opts.images));
console.log(`${images.length} images, ${opts.workers} headless Chromium worker(s) per backend, ${os.cpus().length} cores`);

const answers = new Map<KnownBackend, (Answer | null)[]>();
for (const backend of backends) {
  const jobs = await classifyInBrowsers({ images, workers: Number(opts.workers), backend, ...(opts.modelDir ? { modelDir: opts.modelDir } : {}) });
  const ran = [...new Set(jobs.flatMap((job) => (job.result ? [job.result.backend] : [])))];
  if (ran.join() !== backend) {
    console.log(`${backend}: the pages ran on ${ran.join(', ') || 'nothing'} instead (the backend did not start here); left out`);
    continue;
  }
  const top1 = jobs.filter((job, i) => job.result?.predictions[0]?.index === images[i]!.index).length;
  console.log(`${backend}: ${jobs.filter((job) => job.status === 'done').length} done, top-1 ${((100 * top1) / images.length).toFixed(1)}%`);
  answers.set(backend, answersOf(jobs));
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;
const ran = [...answers.keys()];
for (let i = 0; i < ran.length; i++) {
  for (let j = i + 1; j < ran.length; j++) {
    const pair = comparePair(ran[i]!, answers.get(ran[i]!)!, ran[j]!, answers.get(ran[j]!)!);
    console.log(
      `\n${pair.a} vs ${pair.b}: top-1 differs on ${pair.disagreements.length} of ${pair.compared} images ` +
        `(${percent(pair.rate.value)}, 95% CI ${percent(pair.rate.low)}–${percent(pair.rate.high)}); ` +
        `where they agree, the largest top-1 probability gap is ${pair.largestProbabilityGap.toExponential(2)} ` +
        `and the closest call a lead of ${pair.narrowestAgreedMargin.toFixed(4)}`,
    );
    for (const { file, a, b } of pair.disagreements) {
      console.log(
        `  ${file}: ${pair.a} says ${a.top1} (p ${a.probability.toFixed(3)}, lead ${a.margin.toFixed(3)}), ${pair.b} says ${b.top1} (p ${b.probability.toFixed(3)}, lead ${b.margin.toFixed(3)})`,
      );
    }
    console.log(
      `  widest lead on a disagreement: ${pair.widestDisagreeingMargin.toFixed(3)}; ` +
        `${pair.clearlyDecided} of ${pair.compared} images lead by more than that in both (gold candidates)`,
    );
  }
}
