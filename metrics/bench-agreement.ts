// npm run bench:agreement — how often honest backends disagree on top-1: every image of a labelled
// folder classified by real headless Chromium workers once per backend (WASM and the CPU backend by
// default; add webgl/webgpu on a machine with a GPU, or webgl-f16: WebGL keeping its tensors in half
// floats, as GPUs without float32 render targets do), then every pair compared image by image.
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { KNOWN_BACKENDS, type KnownBackend } from '../master/protocol.ts';
import { answersOf, comparePair, type Answer } from './backend-agreement.ts';
import { classifyInBrowsers } from './browser-run.ts';
import { loadDatasetOrExit } from './dataset.ts';
import { positiveInteger } from './option-parsers.ts';

/**
 * What the pages can be asked to run: each backend as it comes (WebGPU with the flag Chromium on Linux still wants),
 * and WebGL held to half-float textures (TF.js's own flag).
 */
const VARIANTS: Record<string, { backend: KnownBackend; tfjsFlags?: string; extraArgs?: string[] }> = {
  ...Object.fromEntries(KNOWN_BACKENDS.map((backend) => [backend, { backend }])),
  webgpu: { backend: 'webgpu', extraArgs: ['--enable-unsafe-webgpu'] },
  'webgl-f16': { backend: 'webgl', tfjsFlags: 'WEBGL_FORCE_F16_TEXTURES:true' },
};
const VARIANT_NAMES = Object.keys(VARIANTS);

const opts = new Command('bench:agreement')
  .option('--images <dir>', 'labelled image folder (labels.csv)', '../shared/datasets/imagenet-dev')
  .addOption(
    new Option('--backends <list>', `comma-separated, at least two of ${VARIANT_NAMES.join(', ')}`)
      .default('wasm,cpu')
      .argParser((value) => parseBackends(value)),
  )
  .option('--workers <n>', 'headless Chromium workers per backend', positiveInteger, 1)
  .option('--model-dir <dir>', 'model folder (default: the master’s default)')
  .parse()
  .opts<{ images: string; backends: string[] | string; workers: number; modelDir?: string }>();

function parseBackends(value: string): string[] {
  const names = [...new Set(value.split(',').map((name) => name.trim()))];
  const unknown = names.filter((name) => !VARIANT_NAMES.includes(name));
  if (unknown.length > 0 || names.length < 2) throw new InvalidArgumentError(`expected at least two of ${VARIANT_NAMES.join(', ')}, comma-separated`);
  return names;
}

const backends = typeof opts.backends === 'string' ? parseBackends(opts.backends) : opts.backends;
const images = loadDatasetOrExit('bench:agreement', path.resolve(opts.images));
console.log(`${images.length} images, ${opts.workers} headless Chromium worker(s) per backend, ${os.cpus().length} cores`);

const answers = new Map<string, (Answer | null)[]>();
for (const name of backends) {
  const variant = VARIANTS[name]!;
  const jobs = await classifyInBrowsers({ images, workers: opts.workers, ...variant, ...(opts.modelDir ? { modelDir: opts.modelDir } : {}) });
  const ran = [...new Set(jobs.flatMap((job) => (job.result ? [job.result.backend] : [])))];
  if (ran.join() !== variant.backend) {
    console.log(`${name}: the pages ran on ${ran.join(', ') || 'nothing'} instead (the backend did not start here); left out`);
    continue;
  }
  const top1 = jobs.filter((job, i) => job.result?.predictions[0]?.index === images[i]!.index).length;
  console.log(`${name}: ${jobs.filter((job) => job.status === 'done').length} done, top-1 ${((100 * top1) / images.length).toFixed(1)}%`);
  answers.set(name, answersOf(jobs));
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;
const ran = [...answers.keys()];
if (ran.length < 2) {
  console.error(`only ${ran.join(', ') || 'no backend'} ran here: nothing to compare`);
  process.exit(1);
}
for (let i = 0; i < ran.length; i++) {
  for (let j = i + 1; j < ran.length; j++) {
    const pair = comparePair(ran[i]!, answers.get(ran[i]!)!, ran[j]!, answers.get(ran[j]!)!);
    console.log(
      `\n${pair.a} vs ${pair.b}: top-1 differs on ${pair.disagreements.length} of ${pair.compared} images ` +
        `(${percent(pair.rate.value)}, 95% CI ${percent(pair.rate.low)}–${percent(pair.rate.high)}); ` +
        `where they agree, the largest top-1 probability gap is ${pair.largestProbabilityGap.toExponential(2)} ` +
        `and of the top-1's lead ${pair.largestLeadShift.toExponential(2)}; the closest call they agreed on a lead of ${pair.narrowestAgreedMargin.toFixed(4)}`,
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
