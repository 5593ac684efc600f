// The production build as `npm start` runs it: the compiled master in dist/ under plain Node (no tsx), reading its
// non-TypeScript files (Lua scripts, the model, the web app's bundle) from the project root; and the prestart
// check that builds only what is missing, or says how to build when it cannot.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJob, submit, uploadsFrom } from '../support/jobs-client.ts';
import { spawnMaster, type MasterProcess } from '../support/master-process.ts';
import { devImages, projectRoot } from '../support/paths.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from '../support/stores.ts';

const ENSURE_BUILT = path.join(projectRoot, 'scripts/ensure-built.js');
const temps: string[] = [];
const masters: MasterProcess[] = [];
const redisPrefix = `test:${randomUUID()}:`;

const tempDir = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), name));
  temps.push(dir);
  return dir;
};

/** Runs Node on `args` without blocking the test's event loop (a build takes a minute; vitest must keep talking to its worker). */
function runNode(args: string[], cwd: string, { inherit = false } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd, stdio: inherit ? 'inherit' : 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function compiledMaster(env: Record<string, string>): Promise<MasterProcess> {
  const master = await spawnMaster(env, { compiled: true });
  masters.push(master);
  return master;
}

beforeAll(async () => {
  // What `npm start` does first: build what is missing or stale (nothing, after `npm test`'s build).
  expect((await runNode([ENSURE_BUILT], projectRoot, { inherit: true })).status).toBe(0);
}, 300_000);

afterAll(async () => {
  for (const master of masters) await master.stop();
  await deleteRedisKeys(redisPrefix);
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the compiled master', () => {
  it('starts from dist/ with plain Node and answers the probes, the API and the web app', async () => {
    const master = await compiledMaster({ DATA_DIR: tempDir('grid-data-') });
    expect(master.child.spawnargs.slice(1)).toEqual(['dist/master/main.js']);
    const live = await fetch(`${master.url}/livez`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'live' });
    expect((await fetch(`${master.url}/readyz`)).status).toBe(200);
    const openApi = (await fetch(`${master.url}/api/openapi.json`).then((r) => r.json())) as { info: { version: string } };
    expect(openApi.info.version).toBe(JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')).version);
    const page = await fetch(`${master.url}/worker`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module"');
  });

  it('runs the Redis store, whose Lua scripts it reads from the sources', async () => {
    const master = await compiledMaster({ REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: redisPrefix });
    const [id] = await submit(master.url, uploadsFrom([devImages(1)[0]!.path]));
    expect(await getJob(master.url, id!)).toMatchObject({ id, status: 'queued', attempts: 0 });
  });
});

describe('the compiled fleet and batch client', () => {
  it.each([
    ['dist/headless-worker/main.js', 'Usage: fleet'],
    ['dist/client/submit.js', 'Usage: submit'],
  ])('%s runs with plain Node', async (entry, usage) => {
    const run = await runNode([entry, '--help'], projectRoot);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(usage);
  });
});

describe('the check before npm start', () => {
  it('builds nothing when the build is newer than its sources', async () => {
    const run = await runNode([ENSURE_BUILT], projectRoot);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('names the fix in one line when there is no build and no build tools', async () => {
    const bare = tempDir('grid-bare-');
    fs.mkdirSync(path.join(bare, 'scripts'));
    fs.copyFileSync(ENSURE_BUILT, path.join(bare, 'scripts/ensure-built.js'));
    fs.writeFileSync(path.join(bare, 'package.json'), '{"type": "module"}');
    const run = await runNode(['scripts/ensure-built.js'], bare);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'browser-grid: the master, fleet and batch client (dist/) is not built and the build tools (typescript, vite) are not installed: run "npm ci && npm run build" first.',
    ]);
  });
});
