// npm run submit -- PATH... : classify every image under the given files and folders.
// Uploads with bounded concurrency and retries, shows progress, writes one row per
// file, and exits 1 (naming them) if any file failed.
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { uploadOwner } from '../metrics/runner/upload-owner.ts';
import { cannotRead, submitBatch, type BatchEvents, type FileOutcome } from './batch-submit.ts';
import { findImages } from './image-files.ts';
import { escapeControls, shownPath } from './printable.ts';
import { openResults, readerGone } from './results-file.ts';
import { RunTally } from './run-tally.ts';

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
};
/** Node's setTimeout fires after 1 ms for any delay past 2^31 − 1 ms (about 24.8 days): every ms option stays within it. */
const MAX_CLIENT_MS = 2 ** 31 - 1;
const milliseconds = (value: string) => {
  const n = positiveInt(value);
  if (n > MAX_CLIENT_MS) throw new InvalidArgumentError(`expected at most ${MAX_CLIENT_MS} ms (MAX_CLIENT_MS)`);
  return n;
};

const program = new Command('submit')
  .description('Upload images (files or folders, recursively) to a browser-grid master and write one result row per file.')
  .argument('<paths...>', 'image files or folders')
  .option('--master <url>', 'the master', 'http://127.0.0.1:5000')
  .option('--concurrency <n>', 'uploads in flight at once (a master takes MAX_UPLOADS_PER_ADDRESS, 4 by default, from one address)', positiveInt, 4)
  .option('--out <file>', 'results file, .csv or .jsonl (default: CSV on stdout)')
  .option('--wait', 'wait for every job to finish and write its predictions', false)
  .option('--poll-ms <n>', 'with --wait, how often an unfinished job is looked at again', milliseconds, 500)
  .option('--give-up-after-ms <n>', 'stop retrying an upload after this long', milliseconds, 300_000)
  .option(
    '--read-give-up-after-ms <n>',
    "stop retrying a job's status read after this long (a master restart longer than this fails the file)",
    milliseconds,
    300_000,
  )
  .option(
    '--key <key>',
    'an API key (required when the master sets API_KEYS) or the owner key of earlier runs [env GRID_KEY]; without one the master issues an owner key',
  )
  .parse();

const options = program.opts<{
  master: string;
  concurrency: number;
  out?: string;
  wait: boolean;
  pollMs: number;
  giveUpAfterMs: number;
  readGiveUpAfterMs: number;
  key?: string;
}>();
if (options.out && !/\.(csv|jsonl)$/.test(options.out)) program.error('--out must end in .csv or .jsonl');

// `npm run submit` runs in the project folder: the paths a person typed are from the folder they typed them in.
if (process.env.npm_lifecycle_event === 'submit' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

/** 128 + SIGPIPE: what a shell reports of a tool that wrote to a pipe whose reader was gone. */
const READER_GONE_EXIT = 141;
// First, so a results file that cannot be written stops the run before the walk and the uploads, in one line.
// A write that fails later (a full disk) stops the run at once, as an interruption does: nothing more is uploaded or
// waited on, its partial file is removed and the results file of the run before left whole; the same --key resumes.
// Stdout's reader gone (`| head`) ends it quietly, as SIGPIPE ends a Unix tool.
const results = (() => {
  try {
    return openResults(options.out, (error) => {
      if (!options.out && readerGone(error)) {
        stopProgress();
        process.exit(READER_GONE_EXIT);
      }
      giveUp(options.out ? `${error.message}; ${shownPath(options.out)} left as it was` : error.message);
    });
  } catch (error) {
    return program.error(escapeControls((error as Error).message));
  }
})();
let stopProgress = () => {};
// Interrupted, the results file from the run before stays as it was: running again with the same --key resumes.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    stopProgress();
    results.abandon();
    console.error(`\ninterrupted (${signal})${options.out ? `; ${shownPath(options.out)} left as it was` : ''}`);
    process.exit(code);
  });
}

const { images, skipped, unreadable } = await findImages(program.processedArgs[0] as string[]);
if (skipped.first !== null) console.error(`skipping ${skipped.count} file(s) that are not images this service reads, e.g. ${shownPath(skipped.first)}`);
if (images.length === 0 && unreadable.length === 0) giveUp('no images found under the given paths');

const retry = { attemptTimeoutMs: 60_000, giveUpAfterMs: options.giveUpAfterMs, backoffInitialMs: 250, backoffMaxMs: 10_000 };
// Every upload as one owner, so a retried upload finds the job its lost attempt created.
const owner = await uploadOwner(options.master, options.key ?? (process.env.GRID_KEY || undefined), retry).catch((error: Error) => giveUp(error.message));
if (owner.issued) console.error(`owner key (keep it: --key or GRID_KEY deletes, retries and, on a private board, reads these jobs): ${owner.key}`);

const progress = createProgress(images.length + unreadable.length);
stopProgress = progress.stop;
// Counts and failures only: each file's row goes to the results file as it finishes, and nothing else of it is kept.
const tally = new RunTally();
const finished = async (outcome: FileOutcome) => {
  progress.finished(outcome);
  tally.record(outcome);
  await results.write(outcome);
};
// Entries that could not even be looked at fail as files the batch could not read; the rest still go.
for (const entry of unreadable) {
  const outcome = cannotRead(entry.path, entry.error);
  progress.uploaded(outcome);
  await finished(outcome);
}
await submitBatch(
  images,
  {
    masterUrl: options.master,
    ownerKey: owner.key,
    concurrency: options.concurrency,
    wait: options.wait,
    pollMs: options.pollMs,
    readGiveUpAfterMs: options.readGiveUpAfterMs,
    uploadLimits: owner.uploadLimits,
    ...retry,
  },
  { uploaded: progress.uploaded, finished },
);
progress.stop();
// A write that failed (a full disk) ends the run in one line, its partial file removed and the results file of the run before whole.
await results.close().catch((error: Error) => giveUp(`${error.message}; ${shownPath(options.out!)} left as it was`));

console.error(
  `${tally.succeeded} of ${tally.files} file(s) ${options.wait ? 'classified' : 'submitted'}${options.out ? `; results in ${shownPath(options.out)}` : ''}`,
);
if (tally.failures.length) {
  console.error(`${tally.failures.length} failed:`);
  for (const failure of tally.failures) console.error(`  ${shownPath(failure.path)}: ${escapeControls(failure.error)}`);
  process.exitCode = 1;
}

/** Ends the run with one line, its partial results file removed. */
function giveUp(message: string): never {
  stopProgress();
  results.abandon();
  return program.error(escapeControls(message));
}

/** A bar (uploaded, done, failed, rate, ETA) on a terminal; one plain line per file otherwise. */
function createProgress(total: number): BatchEvents & { stop(): void } {
  const counts = { uploaded: 0, done: 0, failed: 0 };
  if (!process.stderr.isTTY) {
    return {
      uploaded: (outcome) => void (outcome.jobId && counts.uploaded++),
      finished: (outcome) =>
        // The path as the results file and the list of failures give it: `npm run` runs from the project's folder, not the caller's.
        console.error(`${++counts.done}/${total} ${shownPath(outcome.path)} ${outcome.jobId ?? '-'} ${outcome.status}${topLabel(outcome)}`),
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: '|{bar}| {value}/{total} finished · {uploaded} uploaded · {failed} failed · {rate}/s · ETA {eta_formatted}',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { uploaded: 0, failed: 0, rate: '0.0' });
  const payload = () => ({ uploaded: counts.uploaded, failed: counts.failed, rate: (counts.done / ((Date.now() - started) / 1000)).toFixed(1) });
  return {
    uploaded(outcome) {
      if (outcome.jobId) counts.uploaded++;
      bar.update(counts.done, payload());
    },
    finished(outcome) {
      counts.done++;
      if (outcome.error) counts.failed++;
      bar.update(counts.done, payload());
    },
    stop: () => bar.stop(),
  };
}

function topLabel(outcome: FileOutcome): string {
  const top = outcome.job?.result?.predictions[0];
  return top ? ` ${escapeControls(top.label)} ${top.probability.toFixed(3)}` : outcome.error ? ` ${escapeControls(outcome.error)}` : '';
}
