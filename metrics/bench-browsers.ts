// npm run bench:browsers — what real browser workers achieve on this machine, against what the same
// page does alone: first the worker page's classifier with no master (web/standalone.html) classifies
// every image of a labelled folder, prepared as the master prepares an upload; then a master and N
// headless Chromium workers classify them all, submitted at once, so both get the same bytes. With N > 1, N standalone
// pages at once too (each its own Chromium, the images split between them), the yardstick for N workers sharing the
// machine's cores. Prints the rates and the grid's ratio to each, in-page ms per image by stage, bytes per job
// and top-1/top-5. With --cold-start, only page open → first result, model cache empty and warm (metrics/cold-start.ts);
// with --page-thread, only where one worker page's thread goes per image, from a CPU profile (metrics/page-thread.ts).
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { distribution } from '../common/percentiles.ts';
import { makeConfig } from '../master/config.ts';
import { PAGE_STAGES, type PageStage, type PageStages } from '../master/protocol.ts';
import { preparerFor, withBrowserGrid } from './browser-run.ts';
import { measureColdStarts } from './cold-start.ts';
import { loadDatasetOrExit } from './dataset.ts';
import { positiveInteger } from './option-parsers.ts';
import { profilePageThread } from './page-thread.ts';
import { classifyStandalone, type StandaloneResult } from './standalone-run.ts';

const opts = new Command('bench:browsers')
  .option('--images <dir>', 'labelled image folder (labels.csv)', '../shared/datasets/imagenet-dev')
  .option('--workers <n>', 'headless Chromium workers', positiveInteger, 2)
  .option('--model-dir <dir>', 'model folder (default: the master’s default)')
  .option('--cold-start [rounds]', 'only time page open → first result, with an empty and a warm model cache, in fresh profiles (3 rounds)', positiveInteger)
  .option(
    '--page-thread [runs]',
    "only profile one worker page's thread as it classifies the images: ms per image in the model, elsewhere, idle (1 run)",
    positiveInteger,
  )
  .parse()
  .opts<{ images: string; workers: number; modelDir?: string; coldStart?: true | number; pageThread?: true | number }>();

if (opts.coldStart) {
  const rounds = opts.coldStart === true ? 3 : opts.coldStart;
  const runs = await measureColdStarts(loadDatasetOrExit('bench:browsers', path.resolve(opts.images))[0]!.path, {
    rounds,
    ...(opts.modelDir ? { modelDir: opts.modelDir } : {}),
  });
  const seconds = (values: number[]) => values.map((ms) => (ms / 1000).toFixed(2)).join(', ');
  console.log(`cold start, worker page open → first result (headless Chromium, ${rounds} fresh profiles, ${os.cpus().length} cores):`);
  console.log(
    `  empty model cache: ${seconds(runs.map((run) => run.emptyCacheMs))} s (model files fetched: ${runs.map((run) => run.modelRequests[0]).join(', ')})`,
  );
  console.log(
    `  warm model cache:  ${seconds(runs.map((run) => run.warmCacheMs))} s (model files fetched: ${runs.map((run) => run.modelRequests[1]).join(', ')})`,
  );
  process.exit(0);
}

const workers = opts.workers;
const images = loadDatasetOrExit('bench:browsers', path.resolve(opts.images));
// What a worker receives for each image (master/images/prepared-image.ts), so the page alone gets what the grid's pages get.
const modelOption = opts.modelDir ? { modelDir: opts.modelDir } : {};
const preparer = preparerFor(makeConfig(modelOption));
const prepared = await Promise.all(images.map((image) => preparer.prepare(image.path)));

if (opts.pageThread) {
  const runs = opts.pageThread === true ? 1 : opts.pageThread;
  console.log(`one worker page's thread, per image (${images.length} prepared images, a master, headless Chromium, ${os.cpus().length} cores):`);
  for (let run = 0; run < runs; run++) {
    const thread = await profilePageThread(prepared, modelOption);
    const perImage = (ms: number) => (ms / thread.images).toFixed(2);
    // The profile spans the run and the moments around it (its start and stop), so its parts sum to its own length, not the run's.
    const profiled = thread.modelMs + thread.otherMs + thread.idleMs;
    console.log(
      `  ${thread.backend}: ${perImage(profiled)} ms per image profiled = model ${perImage(thread.modelMs)} + elsewhere ${perImage(thread.otherMs)} + idle ${perImage(thread.idleMs)} (the run itself: ${perImage(thread.wallMs)})`,
    );
  }
  process.exit(0);
}
const percent = (part: number) => `${((100 * part) / images.length).toFixed(1)}%`;
const stageMeans = (staged: Partial<PageStages>[], stages: readonly PageStage[]) =>
  stages.map((stage) => `${stage} ${(staged.reduce((sum, s) => sum + (s[stage] ?? 0), 0) / staged.length).toFixed(1)}`).join(', ');
console.log(`${images.length} images, ${os.cpus().length} cores`);

const standaloneImages = prepared.map(({ bytes, contentType }) => ({ bytes, type: contentType }));
const rateOf = (run: StandaloneResult) => run.images.length / (run.wallMs / 1000);
const printStandalone = (title: string, run: StandaloneResult) => {
  const top1 = run.images.filter((image, i) => image.top1 === images[i]!.index).length;
  console.log(`\n${title} (no master, ${run.backend}): ${rateOf(run).toFixed(1)} images/s, top-1 ${percent(top1)}`);
  console.log(
    `  mean ms per image by stage: ${stageMeans(
      run.images.map((image) => image.stages),
      ['decode', 'preprocess', 'predict', 'readback'],
    )}`,
  );
};
const alone = await classifyStandalone(standaloneImages, modelOption);
const aloneRate = rateOf(alone);
const predictMs = (run: StandaloneResult) => run.images.reduce((sum, image) => sum + image.stages.predict, 0) / run.images.length;
const bareMs = predictMs(alone);
printStandalone('standalone, 1 page', alone);
// W workers share the cores with each other (and the master): W pages at once is what they could do with no master.
const together = workers > 1 ? await classifyStandalone(standaloneImages, { ...modelOption, pages: workers }) : alone;
if (workers > 1) printStandalone(`standalone, ${workers} pages at once`, together); // each its own Chromium; first start → last finish

// Each image sent as an upload's is: prepared by the master (bench:prepare compares it with sending the original).
const { jobs, sent, masterCpuMs } = await withBrowserGrid({ workers, ...(opts.modelDir ? { modelDir: opts.modelDir } : {}) }, (grid) => grid.classify(images));
const done = jobs.filter((job) => job.status === 'done');
const first = Math.min(...jobs.map((job) => Date.parse(job.submittedAt)));
const last = Math.max(...done.map((job) => Date.parse(job.finishedAt!)));
const rate = done.length / ((last - first) / 1000);
const top1 = jobs.filter((job, i) => job.result?.predictions[0]?.index === images[i]!.index).length;
const top5 = jobs.filter((job, i) => job.result?.predictions.some((p) => p.index === images[i]!.index)).length;
const inference = distribution(done.map((job) => job.result!.inferenceMs));
const backends = [...new Set(done.map((job) => job.result!.backend))].join(', ');
console.log(`\ngrid (a master, ${workers} headless Chromium workers, ${backends}): done ${done.length}, failed ${jobs.length - done.length}`);
console.log(`  throughput: ${rate.toFixed(1)} jobs/s (first submission → last result)`);
console.log(
  `  end-to-end ÷ (${workers} × standalone rate): ${(rate / (workers * aloneRate)).toFixed(2)} (literal: ${workers} × one page alone, as if each worker had a core of its own)`,
);
console.log(
  `  end-to-end ÷ (${workers} page${workers === 1 ? '' : 's'} at once): ${(rate / rateOf(together)).toFixed(2)} (${workers} page${workers === 1 ? '' : 's'} sharing these cores with no master: what the grid adds${workers === 1 ? '; the same run as the literal one' : ''})`,
);
console.log(
  `  in the page per image (decode + preprocess + predict + readback): mean ${inference.mean.toFixed(1)} ms, p50 ${inference.p50.toFixed(1)}, ` +
    `p99 ${inference.p99.toFixed(1)}; ${(inference.mean / bareMs).toFixed(2)}× the standalone predict (${bareMs.toFixed(1)} ms)` +
    // Pages sharing the cores predict slower: the grid's pages against pages sharing them the same way.
    (workers > 1
      ? `, ${(inference.mean / predictMs(together)).toFixed(2)}× the predict of ${workers} pages at once (${predictMs(together).toFixed(1)} ms)`
      : ''),
);
console.log(
  `  mean ms per image by stage: ${stageMeans(
    done.flatMap((job) => (job.result!.stages ? [job.result!.stages] : [])),
    PAGE_STAGES,
  )}`,
);
console.log(
  `  bytes sent per job: ${(sent.bytes / done.length / 1024).toFixed(1)} KiB (pushed to the workers; the uploads averaged ${(done.reduce((sum, job) => sum + job.size, 0) / done.length / 1024).toFixed(1)} KiB)`,
);
console.log(
  `  the master's CPU per job: ${(masterCpuMs / jobs.length).toFixed(2)} ms (its process, with the fleet's control of the browsers; the images were prepared before the clock)`,
);
console.log(`  top-1 ${percent(top1)}, top-5 ${percent(top5)}`);
