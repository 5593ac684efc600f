// The bench's side of its child processes (scale-master.ts, scale-clients.ts):
// starting them, asking over IPC and waiting for the answer, killing them, and
// reading what the kernel says they use (/proc).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../master/project-root.ts';
import type { ClientCounts, FromClients, FromMaster, MasterMeasure, ScaleMasterSettings, SocketTarget, ToClients, ToMaster } from './scale-messages.ts';

// The entry points beside this file: TypeScript under tsx from the sources, JavaScript from dist/.
const compiled = import.meta.url.endsWith('.js');
const entryBeside = (name: string) => fileURLToPath(new URL(`./${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));

/** The environment without vitest's marks: a child run from a test is no test (uploaded-files.ts would register hooks). */
const outsideVitest = (env: NodeJS.ProcessEnv) => Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('VITEST')));

type Reply<M> = M extends { id: number } ? M : never;
/** A request without its id (added when sent), for each request type of the union. */
type Request<M> = M extends { id: number } ? Omit<M, 'id'> : never;

/** A child Node process spoken to over IPC: requests carry an id, their reply repeats it. */
class Child<In extends { type: string }, Out extends { type: string }> {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (message: Out) => void; reject: (error: Error) => void }>();
  private stderr = '';

  constructor(entry: string, args: string[], env: Record<string, string>, nodeFlags: string[], onMessage: (message: Out) => void) {
    const flags = compiled ? nodeFlags : [...nodeFlags, '--import', 'tsx'];
    this.process = spawn(process.execPath, [...flags, entry, ...args], {
      cwd: projectRoot,
      env: { ...outsideVitest(process.env), ...env },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.process.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
      process.stderr.write(chunk);
    });
    this.process.on('message', (message: Out) => {
      const id = (message as { id?: number }).id;
      const waiter = id === undefined ? undefined : this.waiting.get(id);
      if (waiter) {
        this.waiting.delete(id!);
        waiter.resolve(message);
      } else onMessage(message);
    });
    this.exited = new Promise((resolve) =>
      this.process.once('exit', (code, signal) => {
        const error = new Error(`${entry} exited (${signal ?? code}) before answering${this.stderr ? `:\n${this.stderr}` : ''}`);
        for (const waiter of this.waiting.values()) waiter.reject(error);
        this.waiting.clear();
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.process.pid!;
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Sends a request and resolves with its reply; rejects after `timeoutMs` or if the child dies first. */
  ask<R extends Reply<Out>>(message: Request<In>, timeoutMs: number): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no answer to ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as unknown as R);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.process.send({ ...message, id });
    });
  }

  tell(message: In): void {
    if (this.alive) this.process.send(message);
  }

  /** kill -9, and wait until it is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.process.kill('SIGKILL');
    await this.exited;
  }
}

export class MasterChild extends Child<ToMaster, FromMaster> {
  url = '';
  modelHash = '';

  /** Starts a master with these config overrides; resolves once it listens. `onReport` hears its transitions and acknowledgements. */
  static async start(settings: ScaleMasterSettings, env: Record<string, string>, onReport: (report: Extract<FromMaster, { type: 'report' }>) => void) {
    let ready!: (message: Extract<FromMaster, { type: 'ready' }>) => void;
    const started = new Promise<Extract<FromMaster, { type: 'ready' }>>((resolve) => (ready = resolve));
    const child = new MasterChild(entryBeside('scale-master'), [JSON.stringify(settings)], env, ['--expose-gc'], (message) => {
      if (message.type === 'ready') ready(message);
      else if (message.type === 'report') onReport(message);
    });
    const { url, modelHash } = await Promise.race([
      started,
      child.exited.then(() => {
        throw new Error('a master exited before it listened (its stderr is above)');
      }),
    ]);
    child.url = url;
    child.modelHash = modelHash;
    return child;
  }

  async measure(): Promise<MasterMeasure> {
    return (await this.ask<Extract<FromMaster, { type: 'measured' }>>({ type: 'measure' }, 30_000)).measure;
  }

  async submitBulk(count: number, batch: number, timeoutMs: number): Promise<{ jobIds: string[]; errors: string[] }> {
    return this.ask<Extract<FromMaster, { type: 'submitted-bulk' }>>({ type: 'submit-bulk', count, batch }, timeoutMs);
  }

  submit(seqs: number[]): void {
    this.tell({ type: 'submit', seqs });
  }

  /** Stops it cleanly (its sockets are closed, what they held requeued); kill -9 if it does not within 20 s. */
  async close(): Promise<void> {
    if (!this.alive) return;
    await this.ask({ type: 'close' }, 20_000).catch(() => this.kill());
    await this.exited;
  }
}

export class ClientsChild extends Child<ToClients, FromClients> {
  static start(): ClientsChild {
    return new ClientsChild(entryBeside('scale-clients'), [], {}, [], () => {});
  }

  async connect(targets: SocketTarget[], credit: number, fleetToken: string, concurrency: number, timeoutMs: number) {
    return this.ask<Extract<FromClients, { type: 'connected' }>>({ type: 'connect', targets, credit, fleetToken, concurrency }, timeoutMs);
  }

  async work(workMs: number): Promise<void> {
    await this.ask({ type: 'work', workMs }, 10_000);
  }

  async counts(): Promise<ClientCounts> {
    return (await this.ask<Extract<FromClients, { type: 'counted' }>>({ type: 'counts' }, 30_000)).counts;
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    await this.ask({ type: 'close' }, 10_000).catch(() => this.kill());
    await this.exited;
  }
}

/** A process's CPU time so far (user + system), in seconds, from /proc; null once it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times, is 100 on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** A process's resident set, in bytes, from /proc. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** This process's soft limit on open files (ulimit -n). */
export function openFileLimit(): number {
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
  return !match || match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}
