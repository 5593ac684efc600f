// withBrowserGrid leaves nothing behind when its fleet cannot start: the master's data folder is removed too. A run in
// which a job failed stops the bench (a real master and a real Chromium worker).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devImages } from '../../test/support/paths.ts';
import { withBrowserGrid } from '../browser-run.ts';

let tmp: string;
let tmpBefore: string | undefined;

// A TMPDIR of its own, so what the grid leaves there is the grid's alone.
beforeEach(() => {
  tmpBefore = process.env.TMPDIR;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-run-test-'));
  process.env.TMPDIR = tmp;
});

afterEach(() => {
  if (tmpBefore === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = tmpBefore;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('withBrowserGrid', () => {
  it("removes the master's data folder when the fleet fails to start", async () => {
    let used = false;
    const grid = withBrowserGrid({ workers: 0 }, async () => (used = true));
    await expect(grid).rejects.toThrow('workers must be a positive integer');
    expect(used).toBe(false);
    expect(fs.readdirSync(tmp).filter((name) => name.startsWith('browser-run-'))).toEqual([]);
  });

  it('stops the run, saying why, when a job does not finish, and prints no figure over the rest', async () => {
    const broken = path.join(tmp, 'broken.jpg');
    fs.writeFileSync(broken, 'not a jpeg at all');
    const image = devImages(1)[0]!;
    const run = withBrowserGrid({ workers: 1 }, (grid) => grid.classify([image, { ...image, file: 'broken.jpg', path: broken }], { originals: true }));
    await expect(run).rejects.toThrow(/^1 of 2 jobs did not finish: .*decode/);
  });
});
