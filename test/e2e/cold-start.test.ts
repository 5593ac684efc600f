// bench:browsers --cold-start in real headless Chromium: a fresh profile opens the worker page and sends a first
// result, downloading the model; the same profile then does it again with the model from its cache. An image the master
// cannot prepare stops it, with its master's data folder removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureColdStarts } from '../../metrics/cold-start.ts';
import { devImages } from '../support/paths.ts';

describe('cold start', () => {
  it('times page open → first result, first with the model downloaded, then from the cache', async () => {
    const [run, ...more] = await measureColdStarts(devImages(1)[0]!.path, { rounds: 1 });
    expect(more).toEqual([]);
    // model.json and its weight shards the first time; nothing of the model the second.
    expect(run!.modelRequests[0]).toBeGreaterThanOrEqual(2);
    expect(run!.modelRequests[1]).toBe(0);
    expect(run!.emptyCacheMs).toBeGreaterThan(0);
    expect(run!.warmCacheMs).toBeGreaterThan(0);
  });

  it('leaves no data folder behind when the image cannot be prepared', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cold-start-test-'));
    const tmpBefore = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const broken = path.join(tmp, 'broken.jpg');
      fs.writeFileSync(broken, 'not a jpeg at all');
      await expect(measureColdStarts(broken, { rounds: 1 })).rejects.toThrow();
      expect(fs.readdirSync(tmp)).toEqual(['broken.jpg']);
    } finally {
      if (tmpBefore === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmpBefore;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
