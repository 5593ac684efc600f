// npm run gold -- --images <dir> [--model <dir>] [--min-margin 0.5] [--out <file>]: the answers file
// for a folder of spot-check images (GOLD_DIR), from the served model in headless Chromium.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { GOLD_MIN_MARGIN, GoldSetError } from '../master/trust/gold-set.ts';
import { GOLD_CHECK_REENCODINGS, makeGoldAnswers } from './gold-answers.ts';
import { fraction } from './option-parsers.ts';

const opts = new Command('gold')
  .description('Classify a folder of images with the served model and write gold.csv (file,index,margin) for the ones that make good spot checks.')
  .requiredOption('--images <dir>', 'the image folder (GOLD_DIR)')
  .option('--model <dir>', 'TF.js graph model folder (default: the master’s default model)')
  .option('--min-margin <m>', 'keep images whose top-1 probability beats the second by at least this', fraction, GOLD_MIN_MARGIN)
  .option('--out <file>', 'where to write the answers (default: <images>/gold.csv)')
  .parse()
  .opts<{ images: string; model?: string; minMargin: number; out?: string }>();

const images = path.resolve(opts.images);
const out = opts.out && path.resolve(opts.out);
refuseBeforeClassifying(images, out ?? path.join(images, 'gold.csv'));
const written = await makeGoldAnswers({
  images,
  modelDir: opts.model && path.resolve(opts.model),
  minMargin: opts.minMargin,
  out,
}).catch((error: unknown) => {
  // A set past the master's caps: one line saying which, not a stack trace.
  if (!(error instanceof GoldSetError)) throw error;
  console.error(`gold: ${error.message}`);
  process.exit(1);
});
const { candidates, rows, backend } = written;
const unstable = candidates.filter((c) => c.top1s.some((top1) => top1 !== c.top1s[0])).length;
console.log(
  `kept ${rows.length} of ${candidates.length} images (${backend}): ${unstable} changed top-1 on a re-encoding (${GOLD_CHECK_REENCODINGS} each), ` +
    `${candidates.length - rows.length - unstable} had a margin below ${opts.minMargin}; wrote ${written.out}`,
);

/** A folder that is not there, or an answers file that cannot be written, in one line and exit 1: not a stack trace after minutes of classifying. */
function refuseBeforeClassifying(images: string, answersFile: string): void {
  if (!fs.statSync(images, { throwIfNoEntry: false })?.isDirectory()) {
    console.error(`gold: --images ${images} is not a folder`);
    process.exit(1);
  }
  try {
    fs.accessSync(path.dirname(answersFile), fs.constants.W_OK);
  } catch (error) {
    console.error(`gold: cannot write ${answersFile}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
