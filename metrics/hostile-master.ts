// The master under attack in bench:hostile, as a child process with its default limits, and the plain
// HTTP calls the bench makes to it from outside.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export function multipartHead(boundary: string, fileName: string, contentType: string): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${fileName}"\r\nContent-Type: ${contentType}\r\n\r\n`;
}

export interface ChildMaster {
  url: string;
  child: ChildProcess;
}

/** The master's log goes to a file, not a pipe: a pipe the busy bench reads late could stall the master's writes. */
export async function startMaster(dataDir: string, logFile: string, fleetToken: string): Promise<ChildMaster> {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'master/main.ts'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', FLEET_TOKEN: fleetToken },
    stdio: ['ignore', log, 'inherit'],
  });
  fs.closeSync(log);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (;;) {
    const listening = fs
      .readFileSync(logFile, 'utf8')
      .split('\n')
      .find((line) => line.includes('"master listening"'));
    if (listening) return { url: JSON.parse(listening).url as string, child };
    if (exited !== undefined) throw new Error(`master exited with ${exited} before listening (log: ${logFile})`);
    await sleep(100);
  }
}

/** The process's resident memory, or null once it is gone (an attack may kill the master). */
export function rssBytes(pid: number): number | null {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH') return null;
    throw error;
  }
  // A zombie, exited but not yet reaped, has no VmRSS line.
  const kB = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kB === undefined ? null : Number(kB) * 1024;
}

/** Whether the master's process has exited (or been killed). */
export const hasExited = (master: ChildMaster): boolean => master.child.exitCode !== null || master.child.signalCode !== null;

/** GET path from a given loopback address on a fresh connection; resolves with status (0 on error). */
export function get(port: number, localAddress: string, pathName: string, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathName, localAddress, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

/** POSTs one image from `localAddress`; resolves with the created job id, or null. */
export function submitImage(port: number, localAddress: string, image: Buffer, fileName: string): Promise<string | null> {
  const boundary = 'legitimate';
  const body = Buffer.concat([Buffer.from(multipartHead(boundary, fileName, 'image/jpeg')), image, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/jobs',
        method: 'POST',
        localAddress,
        agent: false,
        timeout: 10_000,
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(res.statusCode === 201 ? ((JSON.parse(text) as { jobs: { id: string }[] }).jobs[0]?.id ?? null) : null));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

/** Waits (up to 60 s) until the master answers /livez quickly 5 times in a row, so one attack's aftermath is not charged to the next. */
export async function settle(port: number, localAddress: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (let quick = 0; quick < 5 && performance.now() < deadline;) {
    const started = performance.now();
    const { status } = await get(port, localAddress, '/livez');
    quick = status === 200 && performance.now() - started < 20 ? quick + 1 : 0;
    await sleep(200);
  }
}
