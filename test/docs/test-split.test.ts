// The suite runs in two projects (vitest.config.ts): files that drive browsers, run the model or start processes of
// their own one at a time, every other file side by side. A new browser test left out of SERIAL would run beside
// others and miss its deadlines now and then; this names it.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { SERIAL } from '../../vitest.config.ts';
import { projectRoot } from '../support/paths.ts';

const TEST_FOLDERS = ['common', 'master', 'web', 'headless-worker', 'metrics', 'test'];
/** What makes a file heavy: a browser or a master process of the test's own, the model, a child process (Redis servers aside). */
const HEAVY = [
  /from '[./]*(test\/)?support\/(browser|ui-harness|master-process)\.ts'/,
  /from 'puppeteer-core'/,
  /from '@tensorflow\/tfjs[\w-]*'/,
  /^import (?!type )[^;]*from 'node:child_process'/m,
];

function testFiles(dir: string): string[] {
  return fs.readdirSync(path.join(projectRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(relative);
    return entry.name.endsWith('.test.ts') ? [relative] : [];
  });
}

/** The globs SERIAL uses: a `**` folder part, `*` within a name, or a path as it is. */
const globToRegExp = (glob: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '(?:.*/)?')
      .replace(/\*/g, '[^/]*')}$`,
  );
const serial = SERIAL.map(globToRegExp);

it('runs every file that drives a browser, runs the model or starts a process in the serial project', () => {
  const files = TEST_FOLDERS.flatMap(testFiles);
  expect(files.length).toBeGreaterThan(200);
  // This file names the markers, and uses none of them.
  const others = files.filter((file) => file !== 'test/docs/test-split.test.ts');
  const heavy = others.filter((file) => HEAVY.some((marker) => marker.test(fs.readFileSync(path.join(projectRoot, file), 'utf8'))));
  expect(heavy).toContain('test/ui/board.test.ts');
  expect(heavy).toContain('master/test/master-watch.test.ts');
  expect(heavy.filter((file) => !serial.some((glob) => glob.test(file)))).toEqual([]);
});

it('lists no serial file that is not there', () => {
  const files = TEST_FOLDERS.flatMap(testFiles);
  expect(SERIAL.filter((glob) => !files.some((file) => globToRegExp(glob).test(file)))).toEqual([]);
});
