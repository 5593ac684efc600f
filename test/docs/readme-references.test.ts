// The README names files (sources, tests, scripts) as where to look: each must be there, or the README has fallen
// behind a move or a removal. Build outputs (dist/, web/dist/) are made by `npm run build` and are not checked.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../support/paths.ts';

const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
const tracked = execFileSync('git', ['-C', projectRoot, 'ls-files'], { encoding: 'utf8' }).split('\n').filter(Boolean);
const TOP_FOLDERS = /^(master|web|headless-worker|metrics|common|test|scripts|docs|models|\.ci)\//;
const BUILT = /^(dist|web\/dist)(\/|$)/;

/** Paths in code spans that start at a project folder, without a `:line` or `#anchor` after them. */
const namedPaths = [...readme.matchAll(/`([^`\s]+)`/g)]
  .map((match) => match[1]!.replace(/[:#(].*$/, ''))
  .filter((named) => TOP_FOLDERS.test(named) && !BUILT.test(named));
/** Test files named by their file name alone (`foo.test.ts`); a glob such as `*.property.test.ts` names none. */
const namedTests = [...readme.matchAll(/(?<![\w*.-])([\w-]+(?:\.[\w-]+)*\.test\.ts)/g)].map((match) => match[1]!);

describe('the README', () => {
  it('names files and folders that are in the project', () => {
    expect(namedPaths.length).toBeGreaterThan(20);
    const missing = namedPaths.filter((named) => !fs.existsSync(path.join(projectRoot, named)));
    expect(missing).toEqual([]);
  });

  it('names test files that are in the project', () => {
    expect(namedTests.length).toBeGreaterThan(20);
    const missing = namedTests.filter((name) => !tracked.some((file) => file === name || file.endsWith(`/${name}`)));
    expect(missing).toEqual([]);
  });
});
