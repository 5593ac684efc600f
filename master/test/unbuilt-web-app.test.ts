// A master whose web app is not built (WEB_DIR empty) still answers its pages in the API's shape, and tells a
// stranger nothing about its own disk: the folder it looked in is the operator's to read, in the log.
import fs from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { capturedLog } from '../../test/support/captured-log.ts';
import { startTestMaster, tempDataDir, type TestMaster } from '../../test/support/test-master.ts';

let master: TestMaster | undefined;
afterEach(async () => {
  await master?.close();
});

it('answers a page with 503 web-not-built, naming no path on the master; its log names the folder, once', async () => {
  const webDir = tempDataDir();
  const { log, lines } = capturedLog();
  master = await startTestMaster({ webDir }, {}, log);
  for (const page of ['/', '/jobs/some-id', '/missing.js']) {
    const response = await fetch(`${master.url}${page}`);
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('web-not-built');
    // Before: `the web app is not built in ${webDir}: run "npm run build"`.
    expect(error.message).not.toContain(webDir);
    expect(error.message).not.toMatch(/\/tmp|\/home|\/work/);
  }
  expect(lines.filter((line) => (line as { webDir?: string }).webDir === webDir)).toHaveLength(1);
  fs.rmSync(webDir, { recursive: true, force: true });
});
