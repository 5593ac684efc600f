// A process out of file descriptors cannot open an upload to decode it, and libvips says so as "unsupported image
// format": the master's failure, not the image's. A real image checked by the master's checkImage in a process
// that uses up its descriptors just before the decode (test/support/descriptor-starved-check.ts) is not called
// undecodable (422, never retried) but throws EMFILE, which errors.ts answers 503 storage-unavailable.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { devImages, projectRoot } from '../../test/support/paths.ts';

it('throws EMFILE for a valid image it could not open, instead of calling it undecodable', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/descriptor-starved-check.ts', devImages(1)[0]!.path], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toEqual({ thrown: 'EMFILE' });
});
