// The batch client (client/submit.ts) run as a person runs it, a process of its own, against a scripted HTTP server
// standing in for the master: what a run does when the place its rows go fails under it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jobView } from '../support/job-view.ts';
import { projectRoot } from '../support/paths.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'submit-run-'));
let server: http.Server;
let masterUrl: string;
/** The files uploaded, by name, in the order they came. */
const uploaded: string[] = [];
/** The status a job is read as (each job is named after its file); queued unless a test says otherwise. */
let statusOf: (jobId: string) => 'queued' | 'done' = () => 'queued';
/** Every client started, so one a test gave up on does not outlive it. */
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/api/owner') return json(201, { owner: 'anon-1', ownerKey: 'anon-1.secret' });
      if (req.method === 'POST') {
        const fileName = /filename="([^"]+)"/.exec(Buffer.concat(chunks).toString('latin1'))![1]!;
        uploaded.push(fileName);
        return json(201, { jobs: [{ id: `job-${fileName}` }] });
      }
      const id = decodeURIComponent(req.url!.split('/').at(-1)!);
      json(200, jobView(id, { status: statusOf(id) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  masterUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  server.closeAllConnections();
  server.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A folder of tiny files a client takes for JPEGs by their bytes. */
function imagesIn(name: string, files: string[]): string {
  const folder = path.join(scratch, name);
  fs.mkdirSync(folder);
  for (const file of files) fs.writeFileSync(path.join(folder, file), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0]));
  return folder;
}

/** The client with these arguments, run by `wrapper` (a command that ends by running the rest) if one is given. */
function runClient(args: string[], wrapper: string[] = []) {
  const [command, ...rest] = [...wrapper, process.execPath, '--import', 'tsx', 'client/submit.ts', ...args];
  const child = spawn(command!, rest, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  return { child, exited };
}

it('stops at the first row it cannot write (a full disk), without waiting on the other jobs, in one line, exit 1', async () => {
  const folder = imagesIn('disk-full', ['a.jpg', 'b.jpg', 'c.jpg']);
  // a's job is done at once; the others stay queued, so a run that goes on waiting after a failed write never ends.
  statusOf = (id) => (id === 'job-a.jpg' ? 'done' : 'queued');
  const outDir = path.join(scratch, 'disk-full-out');
  fs.mkdirSync(outDir);
  const out = path.join(outDir, 'results.csv');
  fs.writeFileSync(out, 'the run before\n');
  // The run's partial file (named after its pid, which exec keeps) is the full device: it opens, and every write fails, ENOSPC.
  const fullDisk = ['sh', '-c', 'ln -s /dev/full "$0/.results.csv.$$.partial" && exec "$@"', outDir];
  const args = [folder, '--master', masterUrl, '--out', out, '--wait', '--poll-ms', '10', '--concurrency', '1'];
  const { code, stderr } = await runClient(args, fullDisk).exited;
  expect(code, stderr).toBe(1);
  expect(stderr.trimEnd().split('\n').at(-1)).toBe(`cannot write the results file ${out}: ENOSPC: no space left on device, write; ${out} left as it was`);
  expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
  // One at a time, and b never finishes: c is never started.
  expect(uploaded).not.toContain('c.jpg');
  expect(fs.readFileSync(out, 'utf8')).toBe('the run before\n');
  expect(fs.readdirSync(outDir)).toEqual(['results.csv']);
}, 30_000); // before the fix the run waits on b for ever: fail it soon

it('writing to stdout, stops quietly with exit 141 when the reader is gone (`| head`), as a tool that SIGPIPE ends', async () => {
  const folder = imagesIn('reader-gone', ['a.jpg', 'b.jpg']);
  statusOf = () => 'done';
  const run = runClient([folder, '--master', masterUrl, '--concurrency', '1']);
  // The reading end closed before the first row: the run's first write to stdout fails, EPIPE.
  run.child.stdout.destroy();
  const { code, stderr } = await run.exited;
  expect(code, stderr).toBe(141);
  expect(stderr).not.toContain('EPIPE');
  expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(stderr).not.toContain('file(s) submitted'); // no summary of a run that stopped
});

it('writing to a stdout that cannot be written (a full disk), stops in one line, exit 1', async () => {
  const folder = imagesIn('stdout-full', ['a.jpg', 'b.jpg']);
  statusOf = () => 'done';
  const { code, stderr } = await runClient([folder, '--master', masterUrl], ['sh', '-c', 'exec "$@" > /dev/full', 'sh']).exited;
  expect(code, stderr).toBe(1);
  expect(stderr.trimEnd().split('\n').at(-1)).toBe('cannot write the results to stdout: ENOSPC: no space left on device, write');
  expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
});
