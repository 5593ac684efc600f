// The built web app's files and its page fallback: a page path is answered with index.html (a single-page app), but a
// file under /assets that is not there is a 404 in the API's shape. Before, it was index.html with 200, so a page
// still holding the names of an older build's files (a tab open across a deploy) ran HTML as a script and said
// nothing useful, and a wrong link to a file looked found.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestMaster, tempDataDir, type TestMaster } from '../../test/support/test-master.ts';

let master: TestMaster;
let webDir: string;

beforeAll(async () => {
  webDir = tempDataDir();
  fs.mkdirSync(path.join(webDir, 'assets'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>app</title>');
  fs.writeFileSync(path.join(webDir, 'assets', 'app-1234.js'), 'export {};');
  master = await startTestMaster({ webDir });
});

afterAll(async () => {
  await master?.close();
  fs.rmSync(webDir, { recursive: true, force: true });
});

it('serves a file of the build, and a page path with the app', async () => {
  const asset = await fetch(`${master.url}/assets/app-1234.js`);
  expect([asset.status, asset.headers.get('content-type'), await asset.text()]).toEqual([200, expect.stringMatching(/javascript/), 'export {};']);
  const page = await fetch(`${master.url}/jobs/some-id`);
  expect([page.status, await page.text()]).toEqual([200, '<!doctype html><title>app</title>']);
});

it('answers a file under /assets that is not there with 404 not-found in JSON, not the app', async () => {
  for (const file of ['/assets/app-0000.js', '/assets/', '/assets', '/assets/deeper/missing.css']) {
    const response = await fetch(`${master.url}${file}`);
    expect(response.status, file).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code, file).toBe('not-found');
  }
});
