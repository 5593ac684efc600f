// The master as a separate process, so tests can kill -9 it like a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { defaultModelDir, projectRoot } from './paths.ts';
import { TEST_CLOSE_CALL_MARGIN, TEST_MIN_CHECKS_TO_VERIFY, TEST_TARGET_ERROR } from './test-master.ts';

export interface MasterProcess {
  url: string;
  child: ChildProcess;
  /** Sends a signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs the sources under tsx, or with `compiled` the build in dist/ with plain Node, as `npm start` does. */
export async function spawnMaster(env: Record<string, string>, { compiled = false } = {}): Promise<MasterProcess> {
  const child = startProcess(env, compiled, 'inherit');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.includes('"master listening"')) resolve(JSON.parse(line).url as string);
    });
    void exited.then((code) => reject(new Error(`master exited with ${code} before listening`)));
  });
  return {
    url,
    child,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * A master expected to stop at start: its exit code, what it wrote, and whether it listened. Not spawnSync, so the
 * test's own sockets (workers holding leases) are served meanwhile. One that listens is killed.
 */
export async function masterRefusing(env: Record<string, string>): Promise<{ code: number | null; stderr: string; listened: boolean }> {
  const child = startProcess(env, false, 'pipe');
  let stderr = '';
  let listened = false;
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.includes('"master listening"')) return;
    listened = true;
    child.kill('SIGKILL');
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', (exitCode) => resolve(exitCode)));
  return { code, stderr, listened };
}

function startProcess(env: Record<string, string>, compiled: boolean, stderr: 'inherit' | 'pipe'): ChildProcess {
  const args = compiled ? ['dist/master/main.js'] : ['--import', 'tsx', 'master/main.ts'];
  return spawn(process.execPath, args, {
    cwd: projectRoot,
    // Info level always: the "master listening" line is how the test learns the port.
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      MODEL_DIR: defaultModelDir,
      API_REQUESTS_PER_WINDOW: '1000000',
      MAX_NEW_IDENTITIES_PER_ADDRESS: '1000000',
      TARGET_ERROR: String(TEST_TARGET_ERROR),
      CLOSE_CALL_MARGIN: String(TEST_CLOSE_CALL_MARGIN),
      MIN_CHECKS_TO_VERIFY: String(TEST_MIN_CHECKS_TO_VERIFY),
      ...env,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', stderr],
  });
}
