// MAX_CONNECTIONS against the open-file limit: a real master started under `ulimit -n` says at start that
// connections past the limit would be reset rather than answered 503, and says nothing where they fit.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileLimit } from '../http/open-file-limit.ts';
import { defaultModelDir, projectRoot } from '../../test/support/paths.ts';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The master's log lines from start until shortly after it listens, run under `ulimit -n <limit>`. */
async function startUpLog(limit: number, env: Record<string, string>): Promise<{ level: number; msg: string }[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-fd-'));
  temps.push(dataDir);
  const child = spawn('sh', ['-c', `ulimit -n ${limit} && exec "$0" --import tsx master/main.ts`, process.execPath], {
    cwd: projectRoot,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, MODEL_DIR: defaultModelDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: { level: number; msg: string }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        const entry = JSON.parse(line) as { level: number; msg: string };
        lines.push(entry);
        // What it logs at start is logged in the same turn as "master listening".
        if (entry.msg === 'master listening') setTimeout(resolve, 300);
      });
      child.once('exit', (code) => reject(new Error(`master exited with ${code} before listening`)));
    });
  } finally {
    child.kill('SIGKILL');
  }
  return lines;
}

describe('MAX_CONNECTIONS against the open-file limit', () => {
  it('warns at start when the connections cannot all have a file, naming both numbers and what to do', async () => {
    const warnings = (await startUpLog(512, {})).filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings).toContainEqual(
      expect.stringMatching(/^MAX_CONNECTIONS \(10000\) needs about 10080 open files, over this process's limit of 512: .*ulimit -n/),
    );
  });

  it('says nothing of it when they fit', async () => {
    const lines = await startUpLog(512, { MAX_CONNECTIONS: '300' });
    expect(lines.map((line) => line.msg)).toContain('master listening');
    expect(lines.filter((line) => line.msg.includes('open files'))).toEqual([]);
  });

  it('reads the soft limit this process runs under, and none where there is no limit', () => {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    expect(openFileLimit()).toBe(Number(/^Max open files\s+(\d+)/m.exec(limits)![1]));
    const unlimited = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'grid-fd-')), 'limits');
    temps.push(path.dirname(unlimited));
    fs.writeFileSync(unlimited, 'Limit Soft Limit Hard Limit Units\nMax open files unlimited unlimited files\n');
    expect(openFileLimit(unlimited)).toBeNull();
  });
});
