// `npm run metrics` stopped with Ctrl-C after its first loss rate: the rate finished is kept in the results
// folder, the study cleans up (network namespace, its temp job store) and exits 130; hung up (SIGHUP), the same.
// Needs root and nftables.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { devImagesDir, projectRoot } from '../support/paths.ts';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-interrupt-'));
const outDir = path.join(work, 'out');
const studyTempDirs = () => new Set(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('metrics-study-')));

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** `npm run metrics` on 6 dev images at 5 a second, one worker, at each loss rate of `losses`, writing to `out`. */
function startStudy(losses: string, out: string) {
  const args = ['--import', 'tsx', 'metrics/main.ts', '--images', devImagesDir, '--loss', losses, '--count', '6', '--rate', '5', '--workers', '1'];
  args.push('--out', out, '--probe-packets', '100');
  const child = spawn(process.execPath, args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  let exited = false;
  void closed.then(() => (exited = true));
  return { child, closed, output: () => output, exited: () => exited };
}

it('keeps the loss rates finished before a SIGINT, and cleans up', async () => {
  const tempBefore = studyTempDirs();
  const { child, closed, output, exited } = startStudy('0,0.2,0.4', outDir);

  // The first loss rate is written as soon as it is finished; the study is then in its second.
  while (!exited() && !fs.existsSync(path.join(outDir, 'summary.csv'))) await sleep(100);
  child.kill('SIGINT');
  const code = await closed;

  expect(code, output().slice(-4000)).toBe(130);
  expect(output()).toContain('stopped by SIGINT');
  const records = JSON.parse(fs.readFileSync(path.join(outDir, 'records.json'), 'utf8')) as { loss: number }[];
  expect(records.map((record) => record.loss)).toEqual(Array(6).fill(0));
  expect(fs.readFileSync(path.join(outDir, 'summary.csv'), 'utf8').trim().split('\n')).toHaveLength(2);
  // The folder itself says the run stopped short, and which rates it holds: its tables and graphs cover only those.
  const config = JSON.parse(fs.readFileSync(path.join(outDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  expect(config).toMatchObject({
    complete: false,
    lossesFinished: [{ loss: 0, repeat: 1 }],
    lossesNotRun: [
      { loss: 0.2, repeat: 1 },
      { loss: 0.4, repeat: 1 },
    ],
  });
  expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`-${child.pid}`);
  expect(
    [...studyTempDirs()].filter((name) => !tempBefore.has(name)),
    'its temp job store is removed',
  ).toEqual([]);
}, 300_000);

it('cleans up when its terminal closes (SIGHUP), as on a Ctrl-C', async () => {
  const tempBefore = studyTempDirs();
  const { child, closed, output, exited } = startStudy('0', path.join(work, 'hangup'));
  const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

  // Hung up as soon as its lossy link exists: an ssh session dropped mid-run.
  while (!exited() && !namespaces().includes(`-${child.pid}`)) await sleep(50);
  child.kill('SIGHUP');
  const code = await closed;

  expect(code, output().slice(-4000)).toBe(130);
  expect(output()).toContain('stopped by SIGHUP');
  expect(namespaces()).not.toContain(`-${child.pid}`);
  expect(
    [...studyTempDirs()].filter((name) => !tempBefore.has(name)),
    'its temp job store is removed',
  ).toEqual([]);
}, 300_000);
