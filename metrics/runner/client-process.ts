// Runs the client side of a study as child processes, inside a network
// namespace when given one: the upload client, and the clock probe.
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../master/project-root.ts';
import type { ClockOffset } from './clock-offset.ts';
import type { UploadPlan, UploadResult } from './upload-client.ts';

// The entry points beside this file: TypeScript run under tsx from the sources, JavaScript from dist/.
const compiled = import.meta.url.endsWith('.js');
const entryBeside = (name: string) => fileURLToPath(new URL(`./${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
const UPLOAD_CLIENT = entryBeside('upload-client-main');
const CLOCK_PROBE = entryBeside('clock-probe-main');

/** Turns a command line into one that runs elsewhere, e.g. LossyLink.wrap for inside its namespace. */
export type CommandWrapper = (program: string, args: readonly string[]) => { command: string; args: string[] };

interface ScriptRun {
  entry: string;
  args?: string[];
  stdin?: string;
  wrap?: CommandWrapper | undefined;
  onLine: (line: string) => void;
  /** Kills the child when aborted (the study stopped by a signal). */
  signal?: AbortSignal | undefined;
}

/** Runs an entry point in a child Node; rejects with its stderr unless it exits 0. */
async function runScript({ entry, args = [], stdin = '', wrap, onLine, signal }: ScriptRun): Promise<void> {
  const nodeArgs = compiled ? [entry, ...args] : ['--import', 'tsx', entry, ...args];
  const { command, args: commandArgs } = wrap ? wrap(process.execPath, nodeArgs) : { command: process.execPath, args: nodeArgs };
  const child = spawn(command, commandArgs, { cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe'], signal });
  child.stdin.end(stdin);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  readline.createInterface({ input: child.stdout }).on('line', onLine);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`${path.basename(entry)} (${command} ${commandArgs.join(' ')}) exited with ${code}:\n${stderr}`);
}

/** Uploads as planned; resolves with every upload's result, in the plan's order. */
export async function runUploadClient(
  plan: UploadPlan,
  {
    wrap,
    onUpload = () => {},
    signal,
  }: { wrap?: CommandWrapper | undefined; onUpload?: (result: UploadResult) => void; signal?: AbortSignal | undefined } = {},
): Promise<UploadResult[]> {
  const results: UploadResult[] = [];
  await runScript({
    entry: UPLOAD_CLIENT,
    stdin: JSON.stringify(plan),
    wrap,
    signal,
    onLine: (line) => {
      const result = JSON.parse(line) as UploadResult;
      results.push(result);
      onUpload(result);
    },
  });
  if (results.length !== plan.uploads.length) throw new Error(`the upload client reported ${results.length} of ${plan.uploads.length} uploads`);
  const order = new Map(plan.uploads.map((upload, i) => [upload.key, i]));
  return results.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
}

/** The master's clock offset as seen from where the client runs. */
export async function probeClockOffset(masterUrl: string, wrap?: CommandWrapper, signal?: AbortSignal): Promise<ClockOffset> {
  let offset: ClockOffset | null = null;
  await runScript({ entry: CLOCK_PROBE, args: [masterUrl], wrap, signal, onLine: (line) => (offset = JSON.parse(line) as ClockOffset) });
  if (!offset) throw new Error('the clock probe printed nothing');
  return offset;
}
