// The benches refuse option values that would make them hang or mean nothing before they start anything:
// the shared parsers, and every bench (and metrics, metrics:export, gold) run as commands with bad values.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../test/support/paths.ts';
import {
  fraction,
  fractionList,
  integerFrom,
  nameList,
  nonNegativeNumber,
  positiveInteger,
  positiveIntegerList,
  positiveNumber,
  wholeNumber,
} from '../option-parsers.ts';

const run = promisify(execFile);
const tsx = path.join(projectRoot, 'node_modules/.bin/tsx');
// Well above a refusal's few seconds; a bench that started instead runs for minutes (or, before, forever).
const REFUSAL_TIMEOUT_MS = 60_000;
// Run as a benchmark is, not under vitest (uploaded-files.ts would load vitest's hooks in the child).
const benchEnv = { ...process.env, VITEST: undefined };

describe('option parsers', () => {
  it('take whole numbers above 0, and refuse 0, words, fractions and blanks', () => {
    expect(positiveInteger('4')).toBe(4);
    for (const bad of ['0', '-1', 'abc', '1.5', '', ' ']) expect(() => positiveInteger(bad), bad).toThrow('expected a whole number above 0');
    expect(wholeNumber('0')).toBe(0);
    expect(() => wholeNumber('-1')).toThrow('expected a whole number');
    expect(positiveNumber('0.5')).toBe(0.5);
    expect(() => positiveNumber('0')).toThrow('expected a number above 0');
    expect(positiveIntegerList('500,1000')).toEqual([500, 1000]);
    for (const bad of ['0', 'abc', '500,', '500,0']) expect(() => positiveIntegerList(bad), bad).toThrow('expected whole numbers above 0, comma-separated');
  });

  it('take 0 where it means none, ranges, fractions from 0 to 1 and known names, and refuse the rest', () => {
    expect(nonNegativeNumber('0')).toBe(0);
    for (const bad of ['-1', 'abc', '']) expect(() => nonNegativeNumber(bad), bad).toThrow('expected a number, 0 or more');
    expect(integerFrom(1, 64)('64')).toBe(64);
    for (const bad of ['0', '65', '1.5', 'abc', '']) expect(() => integerFrom(1, 64)(bad), bad).toThrow('expected a whole number from 1 to 64');
    expect(fractionList('0,0.5,1')).toEqual([0, 0.5, 1]);
    for (const bad of ['1.5', '-0.1', 'abc', '0.1,', '']) expect(() => fractionList(bad), bad).toThrow('expected numbers from 0 to 1, comma-separated');
    expect(fraction('0.25')).toBe(0.25);
    for (const bad of ['2', '0.1,0.2', '']) expect(() => fraction(bad), bad).toThrow('expected a number from 0 to 1');
    expect(nameList(['redis', 'cluster'])('cluster,redis')).toEqual(['cluster', 'redis']);
    expect(() => nameList(['redis', 'cluster'])('redis,')).toThrow('unknown "" (expected redis, cluster, comma-separated)');
  });
});

// Each refusal runs with a temp folder of its own: a bench that started would leave its bench-* folder (or still be
// running it) there, and print its header.
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-options-test-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

async function expectRefused(script: string, args: string[], message: string): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(tmpRoot, 'run-'));
  const refused = run(tsx, [`metrics/${script}`, ...args], { cwd: projectRoot, env: { ...benchEnv, TMPDIR: tmp }, timeout: REFUSAL_TIMEOUT_MS });
  await expect(refused).rejects.toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining(message) });
  // tsx keeps its cache there (tsx-<uid>); anything else is what the bench started.
  expect(fs.readdirSync(tmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
}

// [script, option, bad value]: each once silently NaN, 0 or ignored (bench:scale, bench:hostile, --cold-start, ...).
describe.each([
  ['bench-scale.ts', '--sockets', 'abc'],
  ['bench-scale.ts', '--masters', '0'],
  ['bench-scale.ts', '--credit', '-1'],
  ['bench-scale.ts', '--stores', 'redis,clutser'],
  ['bench-scale.ts', '--partitions', '0'],
  ['bench-scale.ts', '--cluster-port', '70000'],
  ['bench-scale.ts', '--heartbeat-ms', '1.5'],
  ['bench-scale.ts', '--idle-seconds', '-1'],
  ['bench-scale.ts', '--seconds', '0'],
  ['bench-scale.ts', '--max-seconds', 'abc'],
  ['bench-hostile.ts', '--seconds', 'abc'],
  ['bench-hostile.ts', '--only', 'api-flod'],
  ['bench-browsers.ts', '--cold-start', '0'],
  ['bench-browsers.ts', '--page-thread', 'abc'],
  ['bench-agreement.ts', '--workers', '0'],
  ['bench-agreement.ts', '--backends', 'wasm'],
  ['bench-prepare.ts', '--workers', 'abc'],
  ['bench-trust.ts', '--fractions', '0.1,1.5'],
  ['bench-trust.ts', '--kinds', 'naive,sneaky'],
  ['bench-trust.ts', '--store', 'postgres'],
  ['bench-dispatch.ts', '--store', 'postgres'],
  ['bench-dispatch.ts', '--peer', 'kafka'],
  ['main.ts', '--loss', '0,2'],
  ['main.ts', '--give-up-after', '-1'],
  ['main.ts', '--warm-up-uploads', '-1'],
  ['main.ts', '--repeats', '0'],
  ['make-gold.ts', '--min-margin', '2'],
])('%s', (script, option, value) => {
  it(`refuses ${option} ${value} at once, with exit code 1 and the option named, starting nothing`, async () => {
    const required = script === 'make-gold.ts' ? ['--images', tmpRoot] : [];
    await expectRefused(script, [...required, option, value], `option '${option} `);
  });
});

describe('options that need each other', () => {
  it('bench:scale refuses fewer sockets than masters, naming both, before starting anything', async () => {
    await expectRefused('bench-scale.ts', ['--sockets', '2', '--masters', '4'], '--sockets (2) must be at least --masters (4)');
  });

  it('bench:trust refuses fewer workers than MAX_REPLICAS, the default or the one asked, before starting anything', async () => {
    await expectRefused('bench-trust.ts', ['--workers', '4'], '--workers (4) must be at least MAX_REPLICAS (5)');
    await expectRefused('bench-trust.ts', ['--workers', '2', '--max-replicas', '3'], '--workers (2) must be at least MAX_REPLICAS (3)');
  });

  it('bench:trust refuses --quick beside --jobs, which --quick would silently replace with 120, before starting anything', async () => {
    await expectRefused('bench-trust.ts', ['--quick', '--jobs', '400'], 'bench:trust: --quick runs 120 jobs per cell; give --quick or --jobs 400, not both');
  });

  it('bench:dispatch refuses --peer bullmq without --store redis, before starting anything', async () => {
    await expectRefused('bench-dispatch.ts', ['--peer', 'bullmq'], '--peer bullmq needs --store redis');
  });
});

describe('bench:dispatch', () => {
  it.each([
    ['--capacity-jobs', '0'],
    ['--rates', '0'],
    ['--rates', 'abc'],
    ['--workers', '0'],
    ['--credit', '0'],
  ])('refuses %s %s at once, with exit code 1, instead of waiting forever', async (option, value) => {
    const refused = run(tsx, ['metrics/bench-dispatch.ts', option, value], { cwd: projectRoot, env: benchEnv, timeout: REFUSAL_TIMEOUT_MS });
    await expect(refused).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`option '${option} <`) });
  });
});

describe('bench:browsers', () => {
  it.each(['0', 'abc'])('refuses --workers %s before the standalone runs, with exit code 1', async (value) => {
    const refused = run(tsx, ['metrics/bench-browsers.ts', '--workers', value], { cwd: projectRoot, env: benchEnv, timeout: REFUSAL_TIMEOUT_MS });
    await expect(refused).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining("option '--workers <n>' argument") });
  });
});

// A folder that is not there is a typo, not a crash: one line naming it, exit 1, before anything starts (each once
// printed a stack trace; gold's unwritable --out, after minutes of classifying).
describe('folders and files', () => {
  const missing = path.join(tmpRoot, 'no-such-folder');
  it.each([
    ['bench-browsers.ts', 'bench:browsers: no labels.csv in'],
    ['bench-prepare.ts', 'bench:prepare: no labels.csv in'],
    ['bench-agreement.ts', 'bench:agreement: no labels.csv in'],
    ['bench-trust.ts', 'bench:trust: no labels.csv in'],
    ['make-gold.ts', 'gold: --images'],
  ])('%s refuses an --images folder that is not there in one line, before starting anything', async (script, message) => {
    await expectRefused(script, ['--images', missing], message);
    await expect(run(tsx, [`metrics/${script}`, '--images', missing], { cwd: projectRoot, env: benchEnv })).rejects.toMatchObject({
      stderr: expect.not.stringMatching(/\n\s+at /),
    });
  });

  it('gold refuses an --out it cannot write before classifying anything', async () => {
    await expectRefused('make-gold.ts', ['--images', tmpRoot, '--out', path.join(missing, 'gold.csv')], 'gold: cannot write');
  });
});

describe('bench:trust', () => {
  it('says in one line, exit 1, that a folder gives no spot check, instead of a master failing to start', async () => {
    // A plain grey image: the model has no class for it, so it is no spot check (its lead is narrow).
    const folder = fs.mkdtempSync(path.join(tmpRoot, 'grey-'));
    const sharp = (await import('sharp')).default;
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .png()
      .toFile(path.join(folder, 'grey.png'));
    fs.writeFileSync(path.join(folder, 'labels.csv'), 'file,wnid,index,label\ngrey.png,n00000000,0,tench\n');
    const tmp = fs.mkdtempSync(path.join(tmpRoot, 'run-'));
    const refused = run(tsx, ['metrics/bench-trust.ts', '--images', folder, '--quick'], {
      cwd: projectRoot,
      env: { ...benchEnv, TMPDIR: tmp },
      timeout: 180_000,
    });
    await expect(refused).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('bench:trust: none of the 1 images') });
    await expect(refused).rejects.toMatchObject({ stderr: expect.not.stringMatching(/\n\s+at /) });
    expect(fs.readdirSync(tmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  }, 200_000);
});
