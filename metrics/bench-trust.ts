// npm run bench:trust — how well verification and spot checks hold against saboteurs, and what they cost.
//
// The served model classifies the dev images once in headless Chromium (the honest answers, and the gold
// answers as `npm run gold` makes them); then each cell runs a real master with the gold set and real
// WebSocket workers that answer from that table instead of running the model: honest ones (now and then
// the second class on a low-margin image, as backends may round differently) and saboteurs of one kind at
// one lie rate. Each cell's final results are checked against the model's answers. Two extra runs set the
// scale: every worker trusted (one answer a job, no spot checks: unverified), and no saboteurs at all.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { makeConfig } from '../master/config.ts';
import { SIGNAL_EXIT_CODES } from '../master/shutdown.ts';
import { GOLD_MIN_MARGIN } from '../master/trust/gold-set.ts';
import { loadDatasetOrExit } from './dataset.ts';
import { ImageIndex } from './image-fingerprint.ts';
import { modelAnswers } from './model-answers.ts';
import { fraction, fractionList, nameList, positiveInteger, wholeNumber } from './option-parsers.ts';
import { runTrustCell, type CellOptions, type CellSpec, type TrustBenchInputs } from './trust-cell.ts';
import { markdownTable, summarizeCell, verdicts, type CellSummary } from './trust-summary.ts';
import { SABOTEUR_KINDS, type SaboteurKind } from './worker-behaviours.ts';

const kindList = (value: string) => nameList(SABOTEUR_KINDS)(value) as SaboteurKind[];

const program = new Command('bench:trust')
  .description('Saboteurs against verification and spot checks: error rate, redundancy, overhead, throughput, time to catch.')
  .option('--images <dir>', 'labelled image folder (labels.csv): the jobs, and the gold folder', '../shared/datasets/imagenet-dev')
  .option('--model-dir <dir>', 'model folder (default: the master’s default)')
  .option('--jobs <n>', 'jobs per cell', positiveInteger, 300)
  .option(
    '--prepare',
    'prepare each job’s image on submit as POST /api/jobs does (decode, resize, WebP: the master’s CPU per upload); without it jobs go out as uploaded',
  )
  .option('--warm-up <n>', 'jobs the same workers answer first in each cell, counted in no figure: volunteers with histories, not new ones', wholeNumber, 0)
  .option('--workers <n>', 'synthetic workers per cell', positiveInteger, 20)
  .option('--credit <n>', 'credit per worker (jobs it holds at once)', positiveInteger, 2)
  .option('--answer-ms <ms>', 'time a worker takes per image (the worker page measured 41-44 ms here with WASM)', positiveInteger, 50)
  .option('--fractions <list>', 'shares of the workers that are saboteurs', fractionList, [0.1, 0.3, 0.5])
  .option('--rates <list>', 'sabotage rates: share of a lying saboteur’s answers that are lies', fractionList, [0.1, 0.5, 1])
  .option('--kinds <list>', `saboteur kinds (${SABOTEUR_KINDS.join(', ')})`, kindList, ['naive', 'smart', 'colluding'])
  .option('--honest-for <n>', 'answers a smart saboteur gives honestly under each identity before it lies', wholeNumber, 20)
  .option('--flip-rate <p>', 'chance an honest answer on a low-margin image is the second class', fraction, 0.01)
  .option('--low-margin <m>', 'images whose top-1 beats the second by less than this are low-margin', fraction, 0.1)
  .option(
    '--fp16-share <s>',
    'share of the workers whose answers are WebGL in half floats (fp16) and may flip; the rest name wasm and never flip (fp32 backends agree: bench:agreement)',
    fraction,
    1,
  )
  .option('--quick', 'a short run: 120 jobs per cell (not with --jobs), lie rates 0.5 and 1 only')
  .option('--cell-timeout <s>', 'seconds a cell may run before what is unfinished is counted as such', positiveInteger, 300)
  .addOption(new Option('--store <kind>', 'job store: sqlite (embedded) or redis').choices(['sqlite', 'redis']).default('sqlite'))
  .option('--redis-url <url>', 'Redis for --store redis (keys under the prefix "bench-trust:" are cleared)', 'redis://127.0.0.1:6379/0')
  .option('--target-error <e>', 'TARGET_ERROR (default: the master’s)', fraction)
  .option('--saboteur-fraction <f>', 'SABOTEUR_FRACTION, the share the master assumes (default: the master’s)', fraction)
  .option('--max-replicas <n>', 'MAX_REPLICAS (default: the master’s)', positiveInteger)
  .option('--close-call-margin <m>', 'CLOSE_CALL_MARGIN, 0 for none (default: the master’s)', fraction)
  .option('--close-call-margin-fp32 <m>', 'CLOSE_CALL_MARGIN_FP32, for fp32 answers (the wasm workers’; default: the master’s)', fraction)
  .option('--min-checks-to-verify <n>', 'MIN_CHECKS_TO_VERIFY, 0 for none (default: the master’s)', wholeNumber)
  .option('--gold-fraction <q>', 'GOLD_FRACTION (default: the master’s)', fraction)
  .option('--gold-fraction-new <q>', 'GOLD_FRACTION_NEW (default: the master’s)', fraction)
  .option('--gold-pool-size <n>', 'GOLD_POOL_SIZE, spot checks encoded ahead (default: the master’s)', wholeNumber)
  .parse();
const opts = program.opts<{
  images: string;
  modelDir?: string;
  jobs: number;
  warmUp: number;
  prepare?: boolean;
  workers: number;
  credit: number;
  answerMs: number;
  fractions: number[];
  rates: number[];
  kinds: SaboteurKind[];
  honestFor: number;
  flipRate: number;
  lowMargin: number;
  fp16Share: number;
  quick?: boolean;
  cellTimeout: number;
  store: string;
  redisUrl: string;
  targetError?: number;
  saboteurFraction?: number;
  maxReplicas?: number;
  closeCallMargin?: number;
  closeCallMarginFp32?: number;
  minChecksToVerify?: number;
  goldFraction?: number;
  goldFractionNew?: number;
  goldPoolSize?: number;
}>();

// --quick sets the jobs per cell itself: a --jobs beside it would be silently dropped.
if (opts.quick && program.getOptionValueSource('jobs') === 'cli') {
  console.error(`bench:trust: --quick runs 120 jobs per cell; give --quick or --jobs ${opts.jobs}, not both`);
  process.exit(1);
}
// A job of new identities ends only once MAX_REPLICAS of them answered: with fewer workers, a cell would wait out --cell-timeout.
const maxReplicas = makeConfig({ maxReplicas: opts.maxReplicas }).maxReplicas;
if (opts.workers < maxReplicas) {
  console.error(`bench:trust: --workers (${opts.workers}) must be at least MAX_REPLICAS (${maxReplicas}), or jobs new identities answer can never end`);
  process.exit(1);
}
const jobs = opts.quick ? 120 : opts.jobs;
const rates = opts.quick ? opts.rates.filter((rate) => rate >= 0.5) : opts.rates;
const policy = Object.fromEntries(
  Object.entries({
    targetError: opts.targetError,
    saboteurFraction: opts.saboteurFraction,
    maxReplicas: opts.maxReplicas,
    closeCallMargin: opts.closeCallMargin,
    closeCallMarginFp32: opts.closeCallMarginFp32,
    minChecksToVerify: opts.minChecksToVerify,
    goldFraction: opts.goldFraction,
    goldFractionNew: opts.goldFractionNew,
    goldPoolSize: opts.goldPoolSize,
  }).filter(([, value]) => value !== undefined),
);
const options: CellOptions = {
  jobs,
  warmUpJobs: opts.warmUp,
  prepareJobs: opts.prepare === true,
  workers: opts.workers,
  credit: opts.credit,
  answerMs: opts.answerMs,
  honestFor: opts.honestFor,
  disagreement: { flipRate: opts.flipRate, lowMargin: opts.lowMargin },
  fp16Share: opts.fp16Share,
  timeoutMs: opts.cellTimeout * 1000,
  store: opts.store === 'redis' ? { kind: 'redis', url: opts.redisUrl } : { kind: 'sqlite' },
  policy,
};

const images = path.resolve(opts.images);
// Before the temp folder: a folder that is not one exits at once, leaving nothing.
const files = loadDatasetOrExit('bench:trust', images).map((image) => image.file);

// The first SIGINT/SIGTERM/SIGHUP stops the bench and lets it clean up (the browsers classifying, a cell's master and
// workers, the temp folders, --store redis's keys), as `npm run metrics` does, then exits as that signal would have
// (130, 143, 129). A second one exits at once. SIGHUP too: a closed terminal would otherwise end it with nothing removed.
const EXIT_CODES = { ...SIGNAL_EXIT_CODES, SIGHUP: 129 } as const;
type BenchStopSignal = keyof typeof EXIT_CODES;
const stop = new AbortController();
let stoppedBy: BenchStopSignal | undefined;
for (const signal of Object.keys(EXIT_CODES) as BenchStopSignal[]) {
  process.on(signal, () => {
    if (stoppedBy) process.exit(EXIT_CODES[signal]);
    stoppedBy = signal;
    console.error(`bench:trust: ${signal}: stopping and cleaning up (again to exit at once)`);
    stop.abort(new Error(`stopped by ${signal}`));
  });
}

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-trust-gold-'));
try {
  console.log(`classifying ${files.length} images with the served model in headless Chromium (the honest answers and gold.csv)…`);
  const answers = await modelAnswers({ images, files, outDir, modelDir: opts.modelDir && path.resolve(opts.modelDir), signal: stop.signal });
  // Without a spot check no master starts (GOLD_DIR with no row): say why in one line rather than its stack trace.
  if (answers.goldImages === 0) {
    fs.rmSync(outDir, { recursive: true, force: true });
    console.error(
      `bench:trust: none of the ${files.length} images in ${images} makes a spot check (the same top-1 on re-encodings, a lead of at least ${GOLD_MIN_MARGIN}): use more images`,
    );
    process.exit(1);
  }
  const inputs: TrustBenchInputs = {
    table: answers.rows,
    images: answers.images,
    index: await ImageIndex.of(answers.images),
    goldDir: images,
    goldAnswers: answers.goldAnswers,
  };
  const lowMargin = answers.rows.filter((row) => row.margin < opts.lowMargin).length;
  console.log(
    `trust benchmark: ${answers.backend}; ${answers.goldImages} of ${files.length} images kept as gold; ${jobs} jobs per cell` +
      (opts.warmUp ? ` after ${opts.warmUp} warm-up jobs not counted (the same workers, so honest identities arrive with histories)` : '') +
      (opts.prepare ? ', each image prepared on submit as an upload is' : ', images sent as uploaded (not prepared)') +
      `, ${opts.workers} workers × credit ${opts.credit}, ` +
      `${opts.answerMs} ms per image (at most ${Math.round((opts.workers * 1000) / opts.answerMs)} answers/s); store ${opts.store}; master policy ${JSON.stringify(policy) === '{}' ? 'defaults' : JSON.stringify(policy)}; ` +
      `${Math.round(opts.fp16Share * 100)}% of the workers on webgl in fp16, the rest on wasm; honest flips (fp16 only): ${opts.flipRate} on the ${lowMargin} images with a margin below ${opts.lowMargin}; smart saboteurs honest for ${opts.honestFor} answers per identity; ` +
      `${os.cpus().length} cores, node ${process.version}`,
  );
  const cells: CellSpec[] = [
    { saboteurs: 0, kind: 'naive', rate: 0, trusted: true },
    { saboteurs: 0, kind: 'naive', rate: 0 },
    ...opts.kinds.flatMap((kind) => opts.fractions.filter((f) => f > 0).flatMap((saboteurs) => rates.map((rate) => ({ saboteurs, kind, rate })))),
  ];
  const summaries: CellSummary[] = [];
  for (const [i, spec] of cells.entries()) {
    // A stop that came while the last cell closed starts no other.
    stop.signal.throwIfAborted();
    const run = await runTrustCell(inputs, spec, options, stop.signal);
    const summary = summarizeCell(spec, run);
    summaries.push(summary);
    const checks = [
      run.wrongUntouched && `${run.wrongUntouched} wrong results no lie or flip reached`,
      run.misidentified && `${run.misidentified} images misidentified`,
      run.unexpectedCloses && `${run.unexpectedCloses} unexpected closes`,
      run.failed && `${run.failed} jobs failed, the first: ${run.failures[0]}`,
    ].filter(Boolean);
    console.error(
      `[${i + 1}/${cells.length}] ${summary.spec.trusted ? 'unverified baseline' : `${spec.kind} ${spec.saboteurs} × ${spec.rate}`}: ${run.done}/${run.jobs} done in ${run.seconds.toFixed(1)} s, ${run.wrong} wrong` +
        (spec.trusted ? '' : `; at its start ${run.atStart.settlingAlone} of ${run.atStart.volunteers} volunteers settled a job alone`) +
        (checks.length ? ` — CHECK: ${checks.join(', ')}` : ''),
    );
  }
  const reference = { unverified: summaries[0]!.jobsPerSecond, noSaboteurs: summaries[1]!.jobsPerSecond };
  console.log();
  console.log(markdownTable(summaries, reference));
  console.log();
  for (const line of verdicts(summaries, reference)) console.log(`- ${line}`);
} catch (error) {
  // Stopped by a signal, whatever a closed browser or master made the step in progress throw.
  if (!stoppedBy) throw error;
} finally {
  fs.rmSync(outDir, { recursive: true, force: true });
}
if (stoppedBy) process.exit(EXIT_CODES[stoppedBy]);
