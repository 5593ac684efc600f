// bench:browsers --cold-start in real headless Chromium: a fresh profile opens the worker page and sends a first
// result, downloading the model; the same profile then does it again with the model from its cache.
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
});
