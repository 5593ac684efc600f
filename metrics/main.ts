// npm run metrics -- --images ../shared/datasets/imagenet-dev --loss 0,0.2,0.4 --rate 10 --workers 2 [--count 100] [--out results/<timestamp>]
//
// The 2020 loss study, redone honestly: for each loss rate the client sits
// behind a real lossy link and uploads every image open loop at a fixed rate;
// headless browser workers classify them; every image sent is accounted for.
// Needs root (network namespaces) and nftables. See metrics/runner/study.ts.
import path from 'node:path';
import { Command, Option } from 'commander';
import { fractionList, nonNegativeNumber, positiveInteger, positiveNumber, wholeNumber } from './option-parsers.ts';
import { formatRangeTable } from './runner/range-table.ts';
import { formatSummaryTable } from './runner/summary-table.ts';
import { runStudy } from './runner/study.ts';

const program = new Command('metrics')
  .description('Packet loss vs throughput, goodput, accuracy and latency, with browser workers and a real lossy link')
  .option('--images <dir>', 'labelled image folder (labels.csv: file,wnid,index,label)', '../shared/datasets/imagenet-dev')
  .addOption(
    new Option('--loss <list>', 'loss rates per direction, comma separated')
      .default([0, 0.067, 0.13, 0.2, 0.27, 0.33, 0.4, 0.47, 0.53, 0.6], '0,0.067,…,0.6')
      .argParser(fractionList),
  )
  .addOption(new Option('--repeats <n>', 'runs of each loss rate; the table gives each figure as min–max over them').default(1).argParser(positiveInteger))
  .addOption(new Option('--rate <jobs/s>', 'open-loop upload rate').default(10).argParser(positiveNumber))
  .addOption(new Option('--workers <n>', 'headless Chromium workers').default(2).argParser(positiveInteger))
  .addOption(new Option('--count <n>', 'images per loss rate (the first n of labels.csv)').default(100).argParser(positiveInteger))
  .addOption(
    new Option('--warm-up-uploads <n>', 'uploads sent first at each loss rate and not measured (they pay its start-up cost)')
      .default(10)
      .argParser(wholeNumber),
  )
  .option('--out <dir>', 'results folder', path.join('results', new Date().toISOString().replace(/[:.]/g, '-')))
  .option('--data-dir <dir>', "keep the master's job store here (default: a temp folder, removed afterwards)")
  .option('--workers-behind-link', 'put the workers behind the lossy link too', false)
  .addOption(new Option('--attempt-timeout <s>', 'abandon one upload attempt after this long').default(10).argParser(positiveNumber))
  .addOption(new Option('--give-up-after <s>', 'no retry starts later than this after the intended send').default(60).argParser(nonNegativeNumber))
  .addOption(new Option('--result-timeout <s>', 'wait this long for acknowledged jobs to finish').default(120).argParser(nonNegativeNumber))
  .addOption(new Option('--probe-packets <n>', 'UDP probes per direction to measure the real loss').default(400).argParser(positiveInteger))
  .parse();

const opts = program.opts<{
  images: string;
  loss: number[];
  repeats: number;
  rate: number;
  workers: number;
  count: number;
  warmUpUploads: number;
  out: string;
  dataDir?: string;
  workersBehindLink: boolean;
  attemptTimeout: number;
  giveUpAfter: number;
  resultTimeout: number;
  probePackets: number;
}>();

// The first signal stops the study and lets it clean up (the network namespace, browsers, temp folders); the loss
// rates finished are already written. A second one exits at once (the exit hooks still remove the namespace).
// SIGHUP too: a closed terminal or dropped ssh session would otherwise end the process with no exit hook run,
// leaving the namespace, its veth and loss rules until the next run.
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) process.exit(130);
    console.error(`metrics: ${signal}: stopping and cleaning up (again to exit at once)`);
    stop.abort(new Error(`stopped by ${signal}; the loss rates finished are in ${path.resolve(opts.out)}`));
  });
}

try {
  const { files, summaries } = await runStudy(
    {
      imagesDir: path.resolve(opts.images),
      count: opts.count,
      warmUpUploads: opts.warmUpUploads,
      losses: opts.loss,
      repeats: opts.repeats,
      ratePerSecond: opts.rate,
      workers: opts.workers,
      outDir: path.resolve(opts.out),
      dataDir: opts.dataDir && path.resolve(opts.dataDir),
      workersBehindLink: opts.workersBehindLink,
      retry: { attemptTimeoutMs: opts.attemptTimeout * 1000, giveUpAfterMs: opts.giveUpAfter * 1000, backoffInitialMs: 250, backoffMaxMs: 4000 },
      resultTimeoutMs: opts.resultTimeout * 1000,
      lossProbePackets: opts.probePackets,
    },
    { signal: stop.signal },
  );
  console.log(opts.repeats > 1 ? formatRangeTable(summaries) : formatSummaryTable(summaries));
  console.log(`\nwrote ${files.length} files to ${path.dirname(files[0]!)}`);
  // Lingering keep-alive sockets must not hold the process open.
  process.exit(0);
} catch (error) {
  console.error(`metrics: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(stop.signal.aborted ? 130 : 1);
}
