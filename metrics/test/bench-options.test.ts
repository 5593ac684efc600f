// The benches refuse option values that would make them hang or mean nothing before they start anything:
// the shared parsers, and bench:dispatch and bench:browsers run as commands.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../test/support/paths.ts';
import { positiveInteger, positiveIntegerList, positiveNumber, wholeNumber } from '../option-parsers.ts';

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
