// The walk for images (client/image-files.ts) on real files: of the files it skips it keeps what the run prints, how
// many and one example, not each path, so a folder of a million non-images costs no more memory than one of ten.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { findImages } from '../../client/image-files.ts';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'image-files-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

it('counts the files that are not images and keeps only the first of them', async () => {
  const names = Array.from({ length: 300 }, (_, i) => `notes-${i}.txt`);
  for (const name of names) fs.writeFileSync(path.join(folder, name), 'not an image');
  const found = await findImages([folder]);
  expect(found.images).toEqual([]);
  expect(found.skipped).toEqual({ count: 300, first: expect.any(String) });
  expect(names.map((name) => path.join(folder, name))).toContain(found.skipped.first);
});

it('says there is no first one when nothing was skipped', async () => {
  expect((await findImages([path.join(folder, 'no-such-folder')])).skipped).toEqual({ count: 0, first: null });
});
