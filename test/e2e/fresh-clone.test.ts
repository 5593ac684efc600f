// The README's promise, tried as a new user would: clone what is committed into an empty folder with nothing
// beside it (no ../shared), run the README's install-and-start command exactly as written, open the operator's
// worker page it logs in headless Chromium, and classify one dev image through the REST API. Slow by nature: `npm install` compiles
// better-sqlite3 and the first `npm start` builds the project (dist/ and web/dist/).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_PAGE_STATUS_SCRIPT, parsePageStatus, type PageStatus } from '../../headless-worker/page-status.ts';
import { loadModelFiles } from '../../master/model/model-files.ts';
import { launchTestBrowser, openPage, type OpenedPage } from '../support/browser.ts';
import { freePort } from '../support/free-port.ts';
import { settled, submit, until, uploadsFrom } from '../support/jobs-client.ts';
import { defaultModelDir, devImages, projectRoot } from '../support/paths.ts';

const INSTALL_AND_START_MS = 20 * 60_000;
/** The dev image classified: a table lamp, which the shipped model names first (probability 0.73 on the image the master prepares, in a run here). */
const IMAGE = 'ILSVRC2012_val_00000026.JPEG';

/** The first line of the README's first code block: the install-and-start command, comment and all. */
function readmeStartCommand(dir: string): string {
  const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
  const block = /^```\w*\n([\s\S]*?)^```/m.exec(readme);
  if (!block) throw new Error('README.md has no code block');
  return block[1]!.split('\n')[0]!;
}

/**
 * What a new user's shell has: PATH (without the node_modules/.bin that `npm test` puts first), HOME (the npm
 * cache), locale and proxies; none of this run's settings (MODEL_DIR, DATA_DIR, NODE_ENV, npm_config_*).
 */
function newUserEnv(port: number): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(([name]) => /^(HOME|USER|LANG|LC_ALL|TMPDIR|TERM|(https?|no)_proxy)$/i.test(name));
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.includes(`node_modules${path.sep}.bin`));
  return { ...Object.fromEntries(kept), PATH: pathDirs.join(path.delimiter), PORT: String(port) };
}

/**
 * The operator's worker page the master logs at start (no FLEET_TOKEN set): trusted, so one page's answer
 * finishes the job, where a volunteer's would wait for others to agree.
 */
function operatorWorkerPage(log: string): URL {
  const logged = /"workerPage":"([^"]+)"/.exec(log);
  if (!logged) throw new Error(`the master logged no operator's worker page:\n${log.slice(-3000)}`);
  return new URL(logged[1]!);
}

let home: string;
let app: string;
let command: string;
let port: number;
let url: string;
let started: ChildProcess | undefined;
let exited: Promise<number | null> | undefined;
let output = '';
let browser: Browser | undefined;
let worker: OpenedPage | undefined;

/** Ends the whole process group the command started (npm, sh, the master). */
async function stopStarted(): Promise<void> {
  if (!started?.pid || started.exitCode !== null || started.signalCode !== null) return;
  const group = -started.pid;
  process.kill(group, 'SIGTERM');
  const stopped = await Promise.race([exited!.then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, 15_000, false))]);
  if (!stopped) process.kill(group, 'SIGKILL');
  // The group outlives its leader for a moment; anything left is killed outright.
  try {
    process.kill(group, 'SIGKILL');
  } catch {
    // Nothing left in the group.
  }
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-fresh-'));
  app = path.join(home, 'app');
  execFileSync('git', ['clone', '--quiet', projectRoot, app], { stdio: 'inherit' });
  command = readmeStartCommand(app);
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  started = spawn('bash', ['-c', command], { cwd: app, env: newUserEnv(port), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  started.stdout!.on('data', keep);
  started.stderr!.on('data', keep);
  exited = new Promise((resolve) => started!.once('exit', (code) => resolve(code)));
  await until(
    async () => {
      if (started!.exitCode !== null) throw new Error(`"${command}" exited with ${started!.exitCode}:\n${output.slice(-5000)}`);
      return fetch(`${url}/api/model`).then(
        (response) => response.ok,
        () => false,
      );
    },
    `"${command}" to serve ${url} (output so far:\n${output.slice(-3000)})`,
    INSTALL_AND_START_MS,
  );
}, INSTALL_AND_START_MS + 60_000);

afterAll(async () => {
  await browser?.close();
  await stopStarted();
  if (home) fs.rmSync(home, { recursive: true, force: true });
}, 60_000);

describe('a fresh clone with nothing beside it', () => {
  it('is the committed project, alone in its folder', () => {
    expect(fs.readdirSync(home)).toEqual(['app']);
    const head = (dir: string) => execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(head(app)).toBe(head(projectRoot));
    expect(command).toMatch(/npm install.*npm start/);
  });

  it('serves the shipped model, checked against its SHA256SUMS', async () => {
    const model = (await fetch(`${url}/api/model`).then((r) => r.json())) as { name: string; hash: string };
    expect(model).toMatchObject({ name: 'mobilenet-v2-100-224-graph', hash: loadModelFiles(defaultModelDir, [-1, 1]).view.hash });
    expect(output).toMatch(/"modelChecksummed":true/);
  });

  it('classifies a dev image through the REST API on a worker page opened in Chromium', async () => {
    browser = await launchTestBrowser();
    const page = operatorWorkerPage(output);
    expect(page.pathname).toBe('/worker');
    // As a user pressing Start, naming the page.
    page.search = '?autostart=1&name=fresh-clone';
    worker = await openPage(browser, url, `${page.pathname}${page.search}${page.hash}`);
    let status: PageStatus | undefined;
    await until(
      async () => {
        status = parsePageStatus(await worker!.page.evaluate(READ_PAGE_STATUS_SCRIPT));
        if (status?.state === 'error') throw new Error(`worker page failed: ${status.lastError}`);
        return status?.state === 'ready';
      },
      'the worker page to be ready',
      180_000,
    );

    const image = devImages().find((candidate) => candidate.file === IMAGE)!;
    const [id] = await submit(url, uploadsFrom([image.path]));
    const [job] = await settled(url, [id!], 60_000);
    expect(job!.status, job!.error ?? '').toBe('done');
    expect(job!.worker).toBe('fresh-clone');
    expect(job!.result!.verification).toMatchObject({ state: 'trusted', credibility: 1 });
    expect(job!.result!.model).toBe(status!.modelHash);
    expect(job!.result!.predictions).toHaveLength(5);
    expect(job!.result!.predictions[0]!.index).toBe(image.index);
    expect(worker.watch.take()).toEqual([]);
  }, 300_000);
});
