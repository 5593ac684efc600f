// bench:trust stopped by Ctrl-C, SIGTERM or SIGHUP: it closes what it started (the browsers classifying the images, a
// cell's master and workers) and removes its temp folders, then exits as a process that signal ended (130, 143, 129).
// Once it left its bench-trust-* folders (and a killed Chromium's) in TMPDIR at every Ctrl-C.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { devImages, devImagesDir, projectRoot } from '../../test/support/paths.ts';

// Run as a benchmark is, not under vitest (uploaded-files.ts would load vitest's hooks in the child).
const benchEnv = { ...process.env, VITEST: undefined };
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-trust-signals-test-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

/** A labelled folder of 20 dev images: a few of them spot checks, quick to classify. */
function smallImageFolder(): string {
  const folder = fs.mkdtempSync(path.join(tmpRoot, 'images-'));
  const images = devImages(20);
  for (const image of images) fs.copyFileSync(image.path, path.join(folder, image.file));
  const rows = fs.readFileSync(path.join(devImagesDir, 'labels.csv'), 'utf8').split('\n');
  const kept = rows.filter((row, i) => i === 0 || images.some((image) => row.startsWith(`${image.file},`)));
  fs.writeFileSync(path.join(folder, 'labels.csv'), kept.join('\n') + '\n');
  return folder;
}

/** Names in `tmp` other than tsx's cache (tsx-<uid>): what the bench made. */
const leftIn = (tmp: string) => fs.readdirSync(tmp).filter((name) => !name.startsWith('tsx-'));

/** Starts bench:trust in a TMPDIR of its own, sends `signal` once a name there matches `stage`; answers its exit. */
async function stopBenchAt(stage: RegExp, signal: NodeJS.Signals, tmp: string) {
  // One process, as metrics-interrupt.test.ts runs the study: the tsx CLI would relay the signal to a child of its own
  // and SIGKILL it when it takes over 60 ms to answer, a cleanup's start on two busy cores.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'metrics/bench-trust.ts', '--images', smallImageFolder(), '--quick', '--kinds', 'naive', '--fractions', '0.3'],
    {
      cwd: projectRoot,
      env: { ...benchEnv, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let sent = false;
  const watch = setInterval(() => {
    if (!sent && leftIn(tmp).some((name) => stage.test(name))) {
      sent = true;
      child.kill(signal);
    }
  }, 50);
  const code = await exited.finally(() => clearInterval(watch));
  return { code, sent, output };
}

/** The bench's processes still running: a browser's command line names its profile under `tmp`. */
async function processesUnder(tmp: string): Promise<string> {
  return promisify(execFile)('pgrep', ['-af', tmp]).then(
    (result) => result.stdout,
    () => '', // pgrep exits 1 when nothing matches
  );
}

describe('bench:trust stopped by a signal', () => {
  // SIGHUP: a closed terminal; puppeteer's own handler for it is off, so the bench's must clean up.
  it.each([
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)(
    'on %s while it classifies the images, closes its browser and removes its temp folders, exit %i',
    async (signal, exitCode) => {
      const tmp = fs.mkdtempSync(path.join(tmpRoot, 'run-'));
      const { code, sent, output } = await stopBenchAt(/^bench-trust-gold-/, signal, tmp);
      expect(sent, output).toBe(true);
      expect(code, output).toBe(exitCode);
      expect(leftIn(tmp)).toEqual([]);
      expect(await processesUnder(tmp)).toBe('');
    },
    200_000,
  );

  it('on SIGTERM while a cell runs, closes its master and workers and removes its temp folders, exit 143', async () => {
    const tmp = fs.mkdtempSync(path.join(tmpRoot, 'run-'));
    // A cell's folder: bench-trust- and mkdtemp's six characters (the gold folder's name goes on with "gold-").
    const { code, sent, output } = await stopBenchAt(/^bench-trust-(?!gold-)/, 'SIGTERM', tmp);
    expect(sent, output).toBe(true);
    expect(code, output).toBe(143);
    expect(leftIn(tmp)).toEqual([]);
    expect(await processesUnder(tmp)).toBe('');
  }, 400_000);
});
